// The container's memory limit, as the kernel holds the process to it: the memory warning
// (src/runtime/memory-watch.ts) judges the RSS against it. Kubernetes writes a container's
// `resources.limits.memory` into its cgroup: cgroup v2's `memory.max` (bytes, or `max` for none),
// or, on a node still on cgroup v1, `memory/memory.limit_in_bytes` (no limit reads as the largest
// page-aligned 63-bit value, 9223372036854771712). Both are read at the container's own cgroup
// root, which a container's cgroup namespace (v2) or the runtime's mounts (v1) put at /sys/fs/cgroup.
//
// Read once, at start (src/main.ts): a container's limit does not change while it runs, short of
// an in-place resize (KEP-1287), which this replica would only see at its next start.
import { readFileSync } from 'node:fs';

export const CGROUP_V2_MEMORY_MAX = '/sys/fs/cgroup/memory.max';
export const CGROUP_V1_MEMORY_LIMIT = '/sys/fs/cgroup/memory/memory.limit_in_bytes';

/** At or over 2^60 bytes (an exbibyte) a limit is v1's "none", not a size anyone set. */
const NO_LIMIT_FROM = 2 ** 60;

/**
 * The limit in a cgroup memory file's contents (v2's memory.max or v1's memory.limit_in_bytes), in
 * bytes; undefined for no limit (`max`, v1's huge value) and for anything that is not a positive
 * whole number.
 */
export function parseCgroupMemoryLimit(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return undefined;
  const bytes = Number(trimmed);
  return bytes > 0 && bytes < NO_LIMIT_FROM ? bytes : undefined;
}

/**
 * This container's memory limit in bytes: cgroup v2's, else v1's; undefined when neither file
 * holds one (no limit set, not a container, not Linux). Never throws: a file not read counts as
 * no limit.
 */
export function readContainerMemoryLimit(
  readText: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): number | undefined {
  for (const path of [CGROUP_V2_MEMORY_MAX, CGROUP_V1_MEMORY_LIMIT]) {
    let text: string;
    try {
      text = readText(path);
    } catch {
      continue;
    }
    const bytes = parseCgroupMemoryLimit(text);
    if (bytes !== undefined) return bytes;
  }
  return undefined;
}
