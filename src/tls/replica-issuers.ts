// Which CA signed the pair each replica serves (issue #32), as the apiserver would see it: the
// leader lists the webhook Service's EndpointSlices and opens a TLS connection to every endpoint,
// ready or not, reading the certificate it presents. Nothing is written by the replicas (they
// never write), and what is checked is what is served, not what a replica says it serves. An
// endpoint that does not answer is `unknown`, which keeps every CA it might need trusted.
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import type { JsonClient } from '../kube/json-client.ts';
import type { CaCertificate, RotationState } from './rotation.ts';
import { issuerOf } from './stored-certificates.ts';

export type ReplicaReport = RotationState['replicas'][number];

type EndpointSlice = {
  ports?: { name?: string; port?: number }[];
  endpoints?: { addresses: string[]; targetRef?: { name?: string } }[];
};

export type Endpoint = { name: string; host: string; port: number };

/** Every endpoint of `service`'s port `portName` (ready, not ready and terminating alike). */
export async function listEndpoints(
  client: JsonClient,
  namespace: string,
  service: string,
  portName: string,
): Promise<Endpoint[]> {
  const list = await client.request<{ items: EndpointSlice[] }>(
    'GET',
    `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`,
    { query: { labelSelector: `kubernetes.io/service-name=${service}` } },
  );
  return list.items.flatMap((slice) => {
    const port = slice.ports?.find((p) => p.name === portName)?.port;
    if (port === undefined) return [];
    return (slice.endpoints ?? []).flatMap((e) => {
      const host = e.addresses[0];
      return host === undefined ? [] : [{ name: e.targetRef?.name ?? `${host}:${port}`, host, port }];
    });
  });
}

/** The certificate `endpoint` presents for `serverName`; rejects on failure or after `timeoutMs`. */
export function servedCertificate(endpoint: Endpoint, serverName: string, timeoutMs: number): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: endpoint.host,
      port: endpoint.port,
      servername: serverName,
      // Read, not trusted: the point is to learn which CA signed it.
      rejectUnauthorized: false,
      timeout: timeoutMs,
    });
    const fail = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    socket.once('secureConnect', () => {
      const raw = socket.getPeerCertificate().raw;
      socket.end();
      if (raw) resolve(new X509Certificate(raw));
      else reject(new Error('no certificate presented'));
    });
    socket.once('timeout', () => fail(new Error(`no TLS handshake within ${timeoutMs} ms`)));
    socket.once('error', fail);
  });
}

/** What `certificate` tells rotation.ts: the known CA that signed it (if any) and its end. */
export function toReport(name: string, certificate: X509Certificate, known: readonly CaCertificate[]): ReplicaReport {
  return { name, issuer: issuerOf(certificate, known) ?? 'none', notAfter: certificate.validToDate.getTime() };
}

/** One report per endpoint; `unknown` for those that did not answer. */
export async function probeReplicas(
  endpoints: readonly Endpoint[],
  serverName: string,
  known: readonly CaCertificate[],
  timeoutMs = 2000,
): Promise<ReplicaReport[]> {
  return Promise.all(
    endpoints.map(async (endpoint): Promise<ReplicaReport> => {
      try {
        return toReport(endpoint.name, await servedCertificate(endpoint, serverName, timeoutMs), known);
      } catch {
        return { name: endpoint.name, issuer: 'unknown' };
      }
    }),
  );
}
