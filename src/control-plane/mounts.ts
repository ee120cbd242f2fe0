// The mounts under a folder, from /proc/self/mountinfo, and their removal: the kubelet bind-mounts
// its root folder onto itself and mounts Pods' volumes under it; containerd mounts each container's
// rootfs, its sandboxes' /dev/shm and network namespaces under its state folder. A folder is
// removed only once nothing is mounted under it: a recursive removal would otherwise reach through
// a bind mount into what it shows.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** mountinfo escapes space, tab, newline and backslash as octal (\040). */
const unescape = (path: string) =>
  path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));

/** Mount points at or under `dir`, deepest first (each listed once). */
export function mountsUnder(dir: string): string[] {
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((field): field is string => Boolean(field))
    .map(unescape)
    .filter((point) => point === dir || point.startsWith(`${dir}/`));
  return [...new Set(points)].sort((a, b) => b.split('/').length - a.split('/').length);
}

/**
 * Unmounts everything under `dir`, deepest first, lazily (MNT_DETACH: a mount still busy goes once
 * its last user does), a few rounds over (a bind mount onto itself shows twice, propagation may add
 * copies). Resolves with what is still mounted, normally nothing.
 */
export async function unmountUnder(dir: string): Promise<string[]> {
  for (let round = 0; round < 5; round++) {
    const points = mountsUnder(dir);
    if (points.length === 0) return [];
    for (const point of points) await execFileAsync('umount', ['-l', point]).catch(() => {});
  }
  return mountsUnder(dir);
}
