import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';

/** `rejectUnauthorized: false` probes a server whose CA the caller does not know (a kubelet's probe). */
export type ProbeTls = { ca?: string; cert?: string; key?: string; rejectUnauthorized?: boolean };

/**
 * The HTTP status `url` answers a GET with, within 2 s; 0 when it cannot be reached. For readiness
 * probes of processes we start (etcd, kube-apiserver, Shipshape): never rejects.
 */
export function probeStatus(url: string, tls: ProbeTls = {}): Promise<number> {
  return new Promise((resolve) => {
    const request = url.startsWith('https:')
      ? httpsGet(url, { ...tls, timeout: 2000 })
      : httpGet(url, { timeout: 2000 });
    request.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    request.on('error', () => resolve(0));
    request.on('timeout', () => request.destroy());
  });
}
