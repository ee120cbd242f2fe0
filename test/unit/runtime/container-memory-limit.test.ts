// The container's memory limit (src/runtime/container-memory-limit.ts): the cgroup files' contents
// parsed as a pure function (v2's `max` and bytes, v1's "no limit" value, garbage), then the reader
// over fake files: v2 first, v1 when v2 holds none, nothing when neither can be read.
import t from 'tap';
import {
  CGROUP_V1_MEMORY_LIMIT,
  CGROUP_V2_MEMORY_MAX,
  parseCgroupMemoryLimit,
  readContainerMemoryLimit,
} from '../../../src/runtime/container-memory-limit.ts';

const MIB = 1024 * 1024;

t.test('cgroup v2 memory.max: a number of bytes, or max for none', async (t) => {
  t.equal(parseCgroupMemoryLimit('536870912\n'), 512 * MIB);
  t.equal(parseCgroupMemoryLimit('max\n'), undefined);
});

t.test('cgroup v1 memory.limit_in_bytes: bytes, or a huge value that means none', async (t) => {
  t.equal(parseCgroupMemoryLimit('939524096\n'), 896 * MIB);
  t.equal(parseCgroupMemoryLimit('9223372036854771712\n'), undefined, "v1's no limit");
  t.equal(parseCgroupMemoryLimit(String(2 ** 60)), undefined, '2^60 and more: none');
  t.equal(parseCgroupMemoryLimit(String(2 ** 60 - 4096)), 2 ** 60 - 4096, 'just under: a limit');
});

t.test('anything else is no limit', async (t) => {
  for (const text of ['', '\n', 'garbage', '-1', '0', '512Mi', '1.5e9', '12 34'])
    t.equal(parseCgroupMemoryLimit(text), undefined, JSON.stringify(text));
});

/** A reader over `files`; a path not among them throws as readFileSync does. */
const filesReader = (files: Record<string, string>) => (path: string) => {
  if (path in files) return files[path]!;
  throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
};

t.test('v2 is read first, v1 when v2 holds no limit, none when neither does', async (t) => {
  t.equal(readContainerMemoryLimit(filesReader({ [CGROUP_V2_MEMORY_MAX]: '536870912\n' })), 512 * MIB);
  t.equal(
    readContainerMemoryLimit(
      filesReader({ [CGROUP_V2_MEMORY_MAX]: '536870912\n', [CGROUP_V1_MEMORY_LIMIT]: '1073741824\n' }),
    ),
    512 * MIB,
    'v2 wins',
  );
  t.equal(readContainerMemoryLimit(filesReader({ [CGROUP_V1_MEMORY_LIMIT]: '1073741824\n' })), 1024 * MIB, 'v1 alone');
  t.equal(readContainerMemoryLimit(filesReader({ [CGROUP_V2_MEMORY_MAX]: 'max\n' })), undefined, 'v2 without a limit');
  t.equal(
    readContainerMemoryLimit(filesReader({ [CGROUP_V1_MEMORY_LIMIT]: '9223372036854771712\n' })),
    undefined,
    'v1 without a limit',
  );
  t.equal(readContainerMemoryLimit(filesReader({})), undefined, 'no file read: no limit, no throw');
});

t.test('this machine is read without throwing', async (t) => {
  const limit = readContainerMemoryLimit();
  t.ok(limit === undefined || (Number.isInteger(limit) && limit > 0), `limit: ${limit}`);
});
