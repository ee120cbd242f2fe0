// Reads and writes one Lease through the JSON client, each call with the deadline the elector
// gives it (below the renew deadline). A 409 (create or update) is a lost race, not an error: it
// resolves undefined. Every other failure is the JSON client's: a KubeApiError for a refusal,
// KubeRequestTimeoutError (KUBE_TIMEOUT) for a call without an answer in time, Node's own error
// for a connection that failed.
//
// Each call opens its own connection (reuseConnections: false), not the reconciler's keep-alive
// pool. A kept connection that died without a word (the apiserver's host powered off, a NAT entry
// dropped, a partition) is only found dead when a call on it times out; the elector's calls get up
// to half the renew deadline each and it sleeps a retry period between them, so one such call can
// cost the Lease. A new connection fails or succeeds on its own merits, and a TLS handshake every
// retry period is cheap.
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeApiError, createJsonClient, isNotFound } from '../kube/json-client.ts';
import type { LeaseSpec } from './lease-record.ts';

export type Lease = { resourceVersion: string; spec: LeaseSpec };

type LeaseObject = { metadata?: { resourceVersion?: string }; spec?: LeaseSpec };

const toLease = (lease: LeaseObject): Lease => ({
  resourceVersion: lease.metadata?.resourceVersion ?? '',
  spec: lease.spec ?? {},
});

/** Someone else created or replaced the Lease first. */
const lostRace = (err: unknown) => err instanceof KubeApiError && err.status === 409;

export function createLeaseClient(kc: KubeConfig, namespace: string, name: string) {
  const client = createJsonClient(kc, { reuseConnections: false });
  const collection = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
  const item = `${collection}/${encodeURIComponent(name)}`;
  const lease = (spec: LeaseSpec, resourceVersion?: string) => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace, ...(resourceVersion !== undefined && { resourceVersion }) },
    spec,
  });

  return {
    /** The Lease, or undefined when it does not exist. */
    async get(timeoutMs: number): Promise<Lease | undefined> {
      try {
        return toLease(await client.request<LeaseObject>('GET', item, { timeoutMs }));
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    /** Creates the Lease; resolves undefined when someone else created it first. */
    async create(spec: LeaseSpec, timeoutMs: number): Promise<Lease | undefined> {
      try {
        return toLease(await client.request<LeaseObject>('POST', collection, { body: lease(spec), timeoutMs }));
      } catch (err) {
        if (lostRace(err)) return undefined;
        throw err;
      }
    },
    /** Replaces the spec if `resourceVersion` is still current; undefined on a conflict. */
    async update(resourceVersion: string, spec: LeaseSpec, timeoutMs: number): Promise<Lease | undefined> {
      try {
        const body = lease(spec, resourceVersion);
        return toLease(await client.request<LeaseObject>('PUT', item, { body, timeoutMs }));
      } catch (err) {
        if (lostRace(err)) return undefined;
        throw err;
      }
    },
  };
}

export type LeaseClient = ReturnType<typeof createLeaseClient>;
