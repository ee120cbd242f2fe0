// The host side of the real node's Pod network: a bridge of its own on a /24 no route of the host
// overlaps, made before the CNI bridge plugin uses it (so its settings exist from the start), and
// the one path from Pods to the apiserver.
//
// The apiserver listens on 127.0.0.1 only, and Pods reach it as client-go's in-cluster config
// does: https://$KUBERNETES_SERVICE_HOST:443, the `kubernetes` Service's ClusterIP. No kube-proxy
// runs, so one DNAT rule, for packets that come in on this bridge only, sends that ClusterIP and
// port to the apiserver's loopback port; route_localnet on this bridge (and nowhere else) lets the
// kernel route them to 127.0.0.1. The apiserver's flags and addresses stay as they are; its
// serving certificate names the ClusterIP (control-plane.ts). The rule is in a chain of the node's
// own in the nat table, jumped to from PREROUTING for this bridge, and goes with the node.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export type PodNetwork = {
  /** The bridge's name, ss<id>. */
  bridge: string;
  /** <a.b.c>.0/24. */
  subnet: string;
  /** <a.b.c>.1: the bridge's address, the Pods' gateway and the node's address. */
  gateway: string;
  /** The nat chain of the apiserver rule. */
  chain: string;
};

/** Where the `kubernetes` Service is, and where the apiserver listens. */
export type ApiserverPath = { serviceIp: string; servicePort: number; apiserverPort: number };

const toInt = (ip: string) => ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);

/** The host's IPv4 routes (main table) as [network, prefix length]. */
function hostRoutes(): Array<[number, number]> {
  const routes: Array<[number, number]> = [];
  for (const line of readFileSync('/proc/net/route', 'utf8').split('\n').slice(1)) {
    const [, destination, , , , , , mask] = line.trim().split(/\s+/);
    if (!destination || !mask) continue;
    // Little-endian hex.
    const le = (hex: string) => Buffer.from(hex, 'hex').readUInt32LE(0);
    const bits = le(mask).toString(2).replaceAll('0', '').length;
    if (bits > 0) routes.push([le(destination) >>> 0, bits]);
  }
  return routes;
}

function overlaps(a: [number, number], b: [number, number]): boolean {
  const bits = Math.min(a[1], b[1]);
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (a[0] & mask) >>> 0 === (b[0] & mask) >>> 0;
}

/** A /24 in 10.201.0.0/16 that no route of the host overlaps, named after `id` (8 hex digits). */
export function choosePodNetwork(id: string): PodNetwork {
  const routes = hostRoutes().filter(([, bits]) => bits > 0);
  const start = parseInt(id.slice(0, 2), 16);
  for (let i = 0; i < 256; i++) {
    const third = (start + i) % 256;
    const subnet = `10.201.${third}.0`;
    if (routes.some((route) => overlaps(route, [toInt(subnet), 24]))) continue;
    return { bridge: `ss${id}`, subnet: `${subnet}/24`, gateway: `10.201.${third}.1`, chain: `SHIPSHAPE-${id}` };
  }
  throw new Error('no free /24 in 10.201.0.0/16 for the Pod network');
}

const run = (command: string, args: string[]) => execFileAsync(command, args);

/** Creates the bridge with its address and the path from Pods to the apiserver. */
export async function createPodNetwork(net: PodNetwork, path: ApiserverPath): Promise<void> {
  await run('ip', ['link', 'add', 'name', net.bridge, 'type', 'bridge']);
  await run('ip', ['addr', 'add', `${net.gateway}/24`, 'dev', net.bridge]);
  await run('ip', ['link', 'set', net.bridge, 'up']);
  writeFileSync(`/proc/sys/net/ipv4/conf/${net.bridge}/route_localnet`, '1');
  const nat = ['-w', '-t', 'nat'];
  await run('iptables', [...nat, '-N', net.chain]);
  await run('iptables', [
    ...nat,
    ...['-A', net.chain, '-d', `${path.serviceIp}/32`, '-p', 'tcp', '--dport', String(path.servicePort)],
    ...['-j', 'DNAT', '--to-destination', `127.0.0.1:${path.apiserverPort}`],
  ]);
  await run('iptables', [...nat, '-A', 'PREROUTING', '-i', net.bridge, '-j', net.chain]);
}

/**
 * Removes the rule, its chain, the Pods' veths still on the bridge and the bridge. Whatever is
 * already gone is skipped. Returns what could not be removed.
 */
export async function removePodNetwork(net: PodNetwork): Promise<string[]> {
  const nat = ['-w', '-t', 'nat'];
  await run('iptables', [...nat, '-D', 'PREROUTING', '-i', net.bridge, '-j', net.chain]).catch(() => {});
  await run('iptables', [...nat, '-F', net.chain]).catch(() => {});
  await run('iptables', [...nat, '-X', net.chain]).catch(() => {});
  const { stdout } = await run('ip', ['-o', 'link', 'show', 'master', net.bridge]).catch(() => ({ stdout: '' }));
  for (const line of stdout.split('\n')) {
    const veth = /^\d+: ([^:@]+)/.exec(line)?.[1];
    if (veth) await run('ip', ['link', 'del', veth]).catch(() => {});
  }
  await run('ip', ['link', 'del', net.bridge]).catch(() => {});
  const left: string[] = [];
  if (
    await run('ip', ['link', 'show', net.bridge]).then(
      () => true,
      () => false,
    )
  )
    left.push(`interface ${net.bridge}`);
  if (
    await run('iptables', [...nat, '-n', '-L', net.chain]).then(
      () => true,
      () => false,
    )
  )
    left.push(`nat chain ${net.chain}`);
  return left;
}
