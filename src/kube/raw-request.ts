// A Kubernetes API call with a hard deadline. The Lease loop needs one: a request that hangs must
// not outlive the renew deadline, and the generated client offers no per-call timeout.
import { request } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { CodedError } from '../errors/coded-error.ts';

export type RawResponse = { status: number; body: unknown };

export class KubeRequestError extends CodedError<'KUBE_TIMEOUT' | 'KUBE_UNREACHABLE'> {}

/** Resolves with any HTTP status (callers judge 404/409); rejects on timeout or network failure. */
export async function kubeRequest(
  kc: KubeConfig,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  options: { body?: unknown; timeoutMs: number },
): Promise<RawResponse> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new KubeRequestError('KUBE_UNREACHABLE', 'the kubeconfig names no cluster');
  const url = new URL(path, server);
  const opts: Parameters<typeof request>[1] = { method, headers: { accept: 'application/json' } };
  await kc.applyToHTTPSOptions(opts);
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  if (payload) opts.headers = { ...opts.headers, 'content-type': 'application/json' };
  return new Promise((resolve, reject) => {
    const req = request(url, { ...opts, agent: false }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (data += chunk));
      res.on('end', () => {
        clearTimeout(timer);
        let body: unknown = data;
        try {
          body = data ? JSON.parse(data) : undefined;
        } catch {}
        resolve({ status: res.statusCode ?? 0, body });
      });
      res.on('error', (err) => reject(new KubeRequestError('KUBE_UNREACHABLE', err.message, { cause: err })));
    });
    const timer = setTimeout(() => {
      req.destroy(new KubeRequestError('KUBE_TIMEOUT', `${method} ${path} took over ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(
        err instanceof KubeRequestError ? err : new KubeRequestError('KUBE_UNREACHABLE', err.message, { cause: err }),
      );
    });
    req.end(payload);
  });
}
