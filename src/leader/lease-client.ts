// Reads and writes one Lease with a per-request deadline. A 409 (create or update) is a lost race,
// not an error: it resolves `false`.
import type { KubeConfig } from '@kubernetes/client-node';
import { CodedError } from '../errors/coded-error.ts';
import { kubeRequest } from '../kube/raw-request.ts';
import type { LeaseSpec } from './lease-record.ts';

export type Lease = { resourceVersion: string; spec: LeaseSpec };

export class LeaseError extends CodedError<'LEASE_REQUEST_FAILED'> {
  static override readonly codeInMessage = false;
  constructor(message: string, options?: ErrorOptions) {
    super('LEASE_REQUEST_FAILED', message, options);
  }
}

export function createLeaseClient(kc: KubeConfig, namespace: string, name: string) {
  const collection = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
  const item = `${collection}/${encodeURIComponent(name)}`;
  const toLease = (body: unknown): Lease => {
    const lease = body as { metadata?: { resourceVersion?: string }; spec?: LeaseSpec };
    return { resourceVersion: lease.metadata?.resourceVersion ?? '', spec: lease.spec ?? {} };
  };
  const fail = (what: string, res: { status: number; body: unknown }) =>
    new LeaseError(`${what} Lease ${namespace}/${name}: HTTP ${res.status} ${JSON.stringify(res.body)}`);

  return {
    /** The Lease, or undefined when it does not exist. */
    async get(timeoutMs: number): Promise<Lease | undefined> {
      const res = await kubeRequest(kc, 'GET', item, { timeoutMs });
      if (res.status === 404) return undefined;
      if (res.status !== 200) throw fail('reading', res);
      return toLease(res.body);
    },
    /** Creates the Lease; resolves undefined when someone else created it first. */
    async create(spec: LeaseSpec, timeoutMs: number): Promise<Lease | undefined> {
      const body = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec };
      const res = await kubeRequest(kc, 'POST', collection, { body, timeoutMs });
      if (res.status === 409) return undefined;
      if (res.status !== 201 && res.status !== 200) throw fail('creating', res);
      return toLease(res.body);
    },
    /** Replaces the spec if `resourceVersion` is still current; undefined on a conflict. */
    async update(resourceVersion: string, spec: LeaseSpec, timeoutMs: number): Promise<Lease | undefined> {
      const body = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace, resourceVersion },
        spec,
      };
      const res = await kubeRequest(kc, 'PUT', item, { body, timeoutMs });
      if (res.status === 409) return undefined;
      if (res.status !== 200) throw fail('updating', res);
      return toLease(res.body);
    },
  };
}

export type LeaseClient = ReturnType<typeof createLeaseClient>;
