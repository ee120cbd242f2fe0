// The runtime settings of the Deployment's container agree with its resource limits: the V8 heap
// bound stays inside the memory limit, and V8 starts as many worker threads as the CPU limit has
// cores (src/manifests/deployment.ts says why), so raising one without the other fails here; and
// the allocator it preloads is the one the Dockerfile puts in the image.
import { readFile } from 'node:fs/promises';
import t from 'tap';
import { JEMALLOC_PATH, toPodSpec } from '../../../src/manifests/deployment.ts';

const container = toPodSpec().containers[0]!;
const env = new Map((container.env ?? []).map((e) => [e.name, e.value]));
const nodeOptions = env.get('NODE_OPTIONS') ?? '';
const flag = (name: string) => {
  const m = new RegExp(`(?:^|\\s)--${name}=(\\d+)(?:\\s|$)`).exec(nodeOptions);
  return m ? Number(m[1]) : undefined;
};
const mebibytes = (q: string) => {
  const m = /^(\d+)(Mi|Gi)$/.exec(q);
  if (!m) throw new Error(`unexpected memory quantity ${q}`);
  return Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
};

t.test('the V8 worker pool has one thread per core of the CPU limit', async (t) => {
  const cpu = String(container.resources?.limits?.cpu);
  t.match(cpu, /^\d+$/, 'the CPU limit is whole cores');
  t.equal(flag('v8-pool-size'), Number(cpu), `--v8-pool-size in ${JSON.stringify(nodeOptions)}`);
});

t.test('the old-space bound leaves room inside the memory limit', async (t) => {
  const limit = mebibytes(String(container.resources?.limits?.memory));
  const oldSpace = flag('max-old-space-size');
  t.ok(oldSpace !== undefined && oldSpace < limit * 0.7, `--max-old-space-size ${oldSpace} of ${limit} MiB`);
});

t.test('the preloaded allocator is the library the Dockerfile copies into the image', async (t) => {
  t.equal(env.get('LD_PRELOAD'), JEMALLOC_PATH);
  const dockerfile = await readFile(new URL('../../../Dockerfile', import.meta.url), 'utf8');
  t.ok(dockerfile.includes(`COPY --from=jemalloc ${JEMALLOC_PATH} ${JEMALLOC_PATH}`), 'the Dockerfile copies it there');
});
