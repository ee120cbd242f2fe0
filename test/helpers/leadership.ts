// Reading leadership from the cluster itself: the Lease, and the apiserver's audit log.
import { readFile } from 'node:fs/promises';
import { CoordinationV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { DevEnvironment } from '../../src/dev/dev-environment.ts';
import type { ShipshapeProcess } from '../../src/dev/shipshape-process.ts';
import { createJsonClient } from '../../src/kube/json-client.ts';
import { CHILD_KINDS } from '../../src/operator/child-kinds.ts';
import { eventually } from './eventually.ts';

/** Fast election timings for tests (seconds): lease 6, renew deadline 4, retry 1. */
export const FAST_ELECTION = {
  SHIPSHAPE_LEASE_DURATION_SECONDS: '6',
  SHIPSHAPE_RENEW_DEADLINE_SECONDS: '4',
  SHIPSHAPE_RETRY_PERIOD_SECONDS: '1',
  SHIPSHAPE_API_TIMEOUT_SECONDS: '3',
};

export async function leaseHolder(kc: KubeConfig): Promise<string> {
  const lease = await kc
    .makeApiClient(CoordinationV1Api)
    .readNamespacedLease({ namespace: 'shipshape-system', name: 'shipshape-leader' });
  return lease.spec?.holderIdentity ?? '';
}

/** The replica (by POD_NAME) that `holder` (POD_NAME_suffix) names. */
export function replicaOf(env: DevEnvironment, holder: string): ShipshapeProcess | undefined {
  return env.replicas.find((r) => holder.startsWith(`${r.name}_`));
}

/** Waits until a running replica other than `not` holds the Lease; returns it and when it was seen. */
export async function waitForLeader(env: DevEnvironment, not?: ShipshapeProcess, timeoutMs = 30_000) {
  return eventually(
    'a running replica leads',
    async () => {
      const holder = await leaseHolder(env.kc);
      const replica = replicaOf(env, holder);
      return replica && replica !== not && replica.isRunning() ? { replica, holder, at: Date.now() } : undefined;
    },
    timeoutMs,
  );
}

export type AuditEvent = {
  verb: string;
  user: { username: string };
  objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string };
  responseStatus?: { code?: number };
  requestReceivedTimestamp: string;
  stageTimestamp: string;
  requestObject?: { metadata?: { name?: string }; spec?: { holderIdentity?: string } };
};

export async function readAudit(path: string): Promise<AuditEvent[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AuditEvent);
}

/**
 * The safety proof, from the apiserver's own records: every successful write a replica made to
 * WebApps or their children reached the apiserver after that replica's latest Lease acquisition
 * and before anyone else's next one. Returns the violations (empty means no two leaders ever
 * wrote at the same time) and counts for the report.
 */
export function checkSingleWriter(events: AuditEvent[]) {
  const ok = (e: AuditEvent) => (e.responseStatus?.code ?? 0) < 300;
  const fromReplica = (e: AuditEvent) => e.user.username.startsWith('shipshape-dev-');
  const acquisitions: { at: number; user: string }[] = [];
  let holder = '';
  // Only Shipshape's own Lease: kwok's Nodes renew theirs in kube-node-lease all the time.
  const isShipshapeLease = (e: AuditEvent) =>
    e.objectRef?.resource === 'leases' &&
    e.objectRef.namespace === 'shipshape-system' &&
    (e.objectRef.name ?? e.requestObject?.metadata?.name) === 'shipshape-leader';
  for (const e of events
    .filter((e) => isShipshapeLease(e) && ok(e) && e.requestObject?.spec)
    .sort((a, b) => Date.parse(a.stageTimestamp) - Date.parse(b.stageTimestamp))) {
    const next = e.requestObject?.spec?.holderIdentity ?? '';
    if (next !== holder) {
      acquisitions.push({ at: Date.parse(e.stageTimestamp), user: next ? e.user.username : '' });
      holder = next;
    }
  }
  // The WebApps and every child kind, by their resource (the last segment of the watch path).
  const owned = new Set(['webapps', ...CHILD_KINDS.map((k) => k.plural)]);
  const writes = events.filter((e) => fromReplica(e) && ok(e) && owned.has(e.objectRef?.resource ?? ''));
  const violations = writes.filter((w) => {
    const at = Date.parse(w.requestReceivedTimestamp);
    const current = acquisitions.filter((a) => a.at <= at).at(-1);
    return current?.user !== w.user.username;
  });
  return { violations, writes: writes.length, terms: acquisitions.filter((a) => a.user).length };
}

/**
 * Open WATCH requests on `resource` at `version`, all clients together, from the apiserver's own
 * metrics (apiserver_longrunning_requests): watches are not audited, and the metric has no client.
 * The version tells Shipshape's watches (the version it reads) from the controller manager's: its
 * garbage collector watches every resource at the preferred version, from its first discovery
 * after the CRD exists (every 30 s), so counting every version flaked once a slow start took the
 * count past 30 s.
 */
export async function openWatches(kc: KubeConfig, resource: string, version: string): Promise<number> {
  const text = await createJsonClient(kc).request('GET', '/metrics', { timeoutMs: 10_000 });
  return String(text)
    .split('\n')
    .filter((l) => l.startsWith('apiserver_longrunning_requests{') && l.includes(`resource="${resource}"`))
    .filter((l) => l.includes('verb="WATCH"') && l.includes(`version="${version}"`))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}
