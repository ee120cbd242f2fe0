// The host's kernel settings a real node changes, read before it starts and put back after: these
// machines are shared. With protectKernelDefaults false (the default) the kubelet sets its kernel
// tunables (pkg/kubelet/cm/container_manager_linux.go, setupKernelTunables); the CNI bridge plugin
// with isGateway turns on IPv4 forwarding. Settings of the node's own bridge go with the bridge.
import { readFileSync, writeFileSync } from 'node:fs';

export const NODE_SYSCTLS = [
  'vm.overcommit_memory',
  'vm.panic_on_oom',
  'kernel.panic',
  'kernel.panic_on_oops',
  'kernel.keys.root_maxkeys',
  'kernel.keys.root_maxbytes',
  'net.ipv4.ip_forward',
] as const;

const path = (name: string) => `/proc/sys/${name.replaceAll('.', '/')}`;

export function readSysctls(names: readonly string[] = NODE_SYSCTLS): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, readFileSync(path(name), 'utf8').trim()]));
}

/**
 * Writes back each value of `before` that differs now. Returns the ones that could not be written
 * (with the reason): a failure here is a host left changed.
 */
export function restoreSysctls(before: Record<string, string>): string[] {
  const failed: string[] = [];
  for (const [name, value] of Object.entries(before)) {
    try {
      if (readFileSync(path(name), 'utf8').trim() !== value) writeFileSync(path(name), value);
    } catch (err) {
      failed.push(`${name}=${value}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return failed;
}
