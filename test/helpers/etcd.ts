// Reading what etcd holds for a WebApp, beside the API: the one place a test sees the version an
// object is stored at (the apiserver converts every read to the version asked for). Through etcd's
// v3 JSON gateway on the harness's loopback client URL; custom resources are stored as JSON.
import { readFile } from 'node:fs/promises';
import { API_GROUP, WEBAPP_PLURAL } from '../../src/constants.ts';
import type { ControlPlane } from '../../src/control-plane/control-plane.ts';
import { eventually } from './eventually.ts';

export type StoredWebApp = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; annotations?: Record<string, string>; generation?: number };
  spec: Record<string, unknown>;
};

/** etcd's client URL, from its command line (the harness does not hand it out). */
async function etcdUrl(cp: ControlPlane): Promise<string> {
  const args = (await readFile(`/proc/${cp.etcd.pid}/cmdline`, 'utf8')).split('\0');
  const flag = args.find((a) => a.startsWith('--listen-client-urls='));
  if (!flag) throw new Error(`no --listen-client-urls in etcd's command line: ${args.join(' ')}`);
  return flag.slice('--listen-client-urls='.length).split(',')[0]!;
}

const PREFIX = `/registry/${API_GROUP}/${WEBAPP_PLURAL}/`;

/** The values etcd holds under `key`, or under every key from `key` up to `rangeEnd` (exclusive). */
async function range(cp: ControlPlane, key: string, rangeEnd?: string): Promise<StoredWebApp[]> {
  const base64 = (s: string) => Buffer.from(s).toString('base64');
  const body = { key: base64(key), ...(rangeEnd && { range_end: base64(rangeEnd) }) };
  const response = await fetch(`${await etcdUrl(cp)}/v3/kv/range`, { method: 'POST', body: JSON.stringify(body) });
  const { kvs } = (await response.json()) as { kvs?: { value: string }[] };
  return (kvs ?? []).map((kv) => JSON.parse(Buffer.from(kv.value, 'base64').toString('utf8')) as StoredWebApp);
}

/** The WebApp `namespace/name` as etcd stores it; throws when etcd has no such key. */
export async function storedWebApp(cp: ControlPlane, namespace: string, name: string): Promise<StoredWebApp> {
  const [stored] = await range(cp, `${PREFIX}${namespace}/${name}`);
  if (!stored) throw new Error(`${namespace}/${name} is not in etcd`);
  return stored;
}

/** Every WebApp etcd stores, in every namespace, in key order (namespace, then name). */
export function storedWebApps(cp: ControlPlane): Promise<StoredWebApp[]> {
  // The prefix's range end: its last byte plus one ('/' + 1 is '0').
  return range(cp, PREFIX, `${PREFIX.slice(0, -1)}0`);
}

/** The apiVersion a WebApp is stored at, read from etcd, not through the API. */
export async function storedApiVersion(cp: ControlPlane, namespace: string, name: string): Promise<string> {
  return (await storedWebApp(cp, namespace, name)).apiVersion;
}

/**
 * Resolves once a WebApp written now lands in etcd at `apiVersion`, after a change of the CRD's
 * storage version: the apiserver's CRD handler rebuilds the storage a moment after the change (the
 * e2e test of crd_conversion_webhook.go retries its create for the same reason). `create(name)`
 * writes one in `namespace`, a namespace of the probes' own since they stay; a failed write counts
 * as not yet.
 */
export async function untilStoredAt(
  cp: ControlPlane,
  namespace: string,
  apiVersion: string,
  create: (name: string) => Promise<unknown>,
  timeoutMs = 30_000,
): Promise<void> {
  let probe = 0;
  await eventually(
    `new WebApps stored at ${apiVersion}`,
    async () => {
      const name = `probe-${probe++}`;
      await create(name).catch(() => undefined);
      return (await storedApiVersion(cp, namespace, name).catch(() => undefined)) === apiVersion || undefined;
    },
    timeoutMs,
  );
}
