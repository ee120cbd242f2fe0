// Helpers of the end-to-end suite (test/e2e/): Shipshape's image loaded into a real node, a writer
// that creates and updates WebApps at a fixed rate and remembers what it last wrote, and the
// single-leader check from the apiserver's audit log for replicas that are Pods (they share one
// ServiceAccount, so the Pod's name in the token's claims tells them apart).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, SHIPSHAPE_NAMESPACE, WEBAPP_KIND, WEBAPP_PLURAL } from '../../src/constants.ts';
import type { RealNode } from '../../src/control-plane/real-node.ts';
import { createJsonClient } from '../../src/kube/json-client.ts';
import { LEASE_NAME, SERVICE_ACCOUNT_NAME } from '../../src/manifests/install-names.ts';
import { CHILD_KINDS } from '../../src/operator/child-kinds.ts';
import type { AuditEvent } from './leadership.ts';
import { runCommand } from './run-command.ts';

/** `podman save` of `image` (built by scripts/build-image.sh), imported into the node's containerd. */
export async function loadImage(node: RealNode, image: string): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'shipshape-e2e-image-'));
  try {
    const archive = join(work, 'image.tar');
    const saved = await runCommand('podman', ['save', '--quiet', '-o', archive, image]);
    if (saved.code !== 0) throw new Error(`podman save ${image}: ${saved.stderr}`);
    await node.importImage(archive);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export type WriteFailure = { at: number; name: string; verb: 'create' | 'update'; message: string };

export type WriteLoadResult = {
  creates: number;
  updates: number;
  failures: WriteFailure[];
  seconds: number;
  /** Per WebApp, the value of its WRITE env var that the last successful write set. */
  expected: Map<string, string>;
};

/**
 * Writes WebApps in `namespace` at `perSecond` (one in `createEvery` a create, the others updates of
 * the env var WRITE of an existing WebApp, round robin, never two writes in flight on one object).
 * `replicas: 0`, so their Deployments run no Pod. A write that the apiserver refuses or that times
 * out is a failure.
 */
export function startWriteLoad(kc: KubeConfig, namespace: string, perSecond = 12, createEvery = 6) {
  const client = createJsonClient(kc);
  const path = `/apis/${API_GROUP}/${API_VERSION}/namespaces/${namespace}/${WEBAPP_PLURAL}`;
  const result: WriteLoadResult = { creates: 0, updates: 0, failures: [], seconds: 0, expected: new Map() };
  const names: string[] = [];
  const busy = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  const started = Date.now();
  let seq = 0;
  let next = 0;

  const write = async (verb: 'create' | 'update', name: string, value: string) => {
    busy.add(name);
    try {
      const env = [{ name: 'WRITE', value }];
      if (verb === 'create') {
        await client.request('POST', path, {
          body: {
            apiVersion: `${API_GROUP}/${API_VERSION}`,
            kind: WEBAPP_KIND,
            metadata: { name },
            spec: { image: 'registry.invalid/e2e:1', replicas: 0, env },
          },
          timeoutMs: 15_000,
        });
        names.push(name);
        result.creates++;
      } else {
        await client.request('PATCH', `${path}/${name}`, {
          body: { spec: { env } },
          contentType: 'application/merge-patch+json',
          timeoutMs: 15_000,
        });
        result.updates++;
      }
      result.expected.set(name, value);
    } catch (err) {
      result.failures.push({ at: Date.now(), name, verb, message: (err as Error).message });
    } finally {
      busy.delete(name);
    }
  };

  const timer = setInterval(() => {
    seq++;
    const value = String(seq);
    let p: Promise<void> | undefined;
    if (names.length === 0 || seq % createEvery === 0) {
      p = write('create', `w-${seq}`, value);
    } else {
      for (let i = 0; i < names.length && !p; i++) {
        const name = names[next++ % names.length]!;
        if (!busy.has(name)) p = write('update', name, value);
      }
    }
    if (!p) return;
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  }, 1000 / perSecond);

  return {
    result,
    /** Stops issuing writes, waits for those in flight; resolves with the totals. */
    async stop(): Promise<WriteLoadResult> {
      clearInterval(timer);
      await Promise.all(inFlight);
      result.seconds = (Date.now() - started) / 1000;
      return result;
    },
  };
}

/** The WebApps whose stored WRITE value is not the one the last successful write set. */
export async function lostWrites(kc: KubeConfig, namespace: string, expected: Map<string, string>) {
  const client = createJsonClient(kc);
  const list = await client.request<{
    items: { metadata: { name: string }; spec: { env?: { name: string; value?: string }[] } }[];
  }>('GET', `/apis/${API_GROUP}/${API_VERSION}/namespaces/${namespace}/${WEBAPP_PLURAL}`);
  const stored = new Map(
    list.items.map((w) => [w.metadata.name, w.spec.env?.find((e) => e.name === 'WRITE')?.value] as const),
  );
  return [...expected]
    .filter(([name, value]) => stored.get(name) !== value)
    .map(([name, value]) => `${name}: wrote ${value}, stored ${stored.get(name) ?? '(missing)'}`);
}

const POD_NAME_CLAIM = 'authentication.kubernetes.io/pod-name';
const REPLICA_USER = `system:serviceaccount:${SHIPSHAPE_NAMESPACE}:${SERVICE_ACCOUNT_NAME}`;

/** The Pod a replica's request came from (its bound token names it), or undefined for anyone else. */
export function replicaPod(e: AuditEvent & { user: { extra?: Record<string, string[]> } }): string | undefined {
  return e.user.username === REPLICA_USER ? e.user.extra?.[POD_NAME_CLAIM]?.[0] : undefined;
}

/**
 * Never two leaders, from the apiserver's records: the Lease's holders in the order the apiserver
 * stored them, and every successful write a replica Pod made to WebApps or their children received
 * while that Pod held the Lease. Returns the violations and counts.
 */
export function checkPodTerms(events: AuditEvent[]) {
  const ok = (e: AuditEvent) => (e.responseStatus?.code ?? 0) < 300;
  const isLease = (e: AuditEvent) =>
    e.objectRef?.resource === 'leases' &&
    e.objectRef.namespace === SHIPSHAPE_NAMESPACE &&
    (e.objectRef.name ?? e.requestObject?.metadata?.name) === LEASE_NAME;
  const terms: { at: number; pod: string }[] = [];
  let holder = '';
  for (const e of events
    .filter((e) => isLease(e) && ok(e) && e.requestObject?.spec)
    .sort((a, b) => Date.parse(a.stageTimestamp) - Date.parse(b.stageTimestamp))) {
    const next = e.requestObject?.spec?.holderIdentity ?? '';
    if (next === holder) continue;
    holder = next;
    // holderIdentity is <POD_NAME>_<suffix> (docs/operating.md).
    terms.push({ at: Date.parse(e.stageTimestamp), pod: next.replace(/_[^_]*$/, '') });
  }
  const owned = new Set(['webapps', ...CHILD_KINDS.map((k) => k.plural)]);
  const writes = events.filter((e) => replicaPod(e) && ok(e) && owned.has(e.objectRef?.resource ?? ''));
  const violations = writes.filter((w) => {
    const at = Date.parse(w.requestReceivedTimestamp);
    return terms.filter((term) => term.at <= at).at(-1)?.pod !== replicaPod(w);
  });
  return { violations, writes: writes.length, terms: terms.filter((term) => term.pod).map((term) => term.pod) };
}
