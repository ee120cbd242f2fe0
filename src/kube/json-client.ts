// Kubernetes API calls on plain JSON, for the reconciler's writes. The generated clients of
// @kubernetes/client-node turn every body into and out of typed models (ObjectSerializer walks
// each field of a V1Deployment both ways), and KubernetesObjectApi asks the apiserver for the
// group's resource list before each call it makes through a new instance. A reconcile knows its
// paths (src/operator/child-kinds.ts) and sends JSON it built itself, so this sends it as it is and
// returns the parsed answer.
//
// Over node:https with one keep-alive connection pool per client, not client-node's fetch: its
// undici fetch built a Request, WHATWG streams, a dependent AbortSignal and (in
// applySecurityAuthentication) a new undici Agent for every call, the largest part of the leader's
// CPU while it reconciled (a CPU profile of 400 sequential creates), on the event loop that also
// answers admission. What the KubeConfig decides is still its own: credentials, the CA, token
// refresh and exec plugins come from `applyToHTTPSOptions` on every call, a proxy-url from its
// agent; a TimeoutKubeConfig's timeout and term signal end the call, unless the call brings its
// own deadline. It is the one client of our own: the Lease client (src/leader/lease-client.ts)
// uses it too, with a connection per call.
import { request as httpRequest } from 'node:http';
import { Agent, type RequestOptions, request as httpsRequest } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { CodedError } from '../errors/coded-error.ts';
import { TimeoutKubeConfig } from './timeout-kubeconfig.ts';

/**
 * A refused call: `status` is the HTTP status (404, 409, 422 ...), `reason` the Status object's
 * (`NotFound`, `Conflict`, `Invalid`), the message the apiserver's own, as kubectl prints it.
 */
export class KubeApiError extends CodedError<'KUBE_API'> {
  static override readonly codeInMessage = false;
  readonly status: number;
  readonly reason: string;
  readonly body: unknown;
  constructor(status: number, reason: string, message: string, body: unknown) {
    super('KUBE_API', message);
    this.status = status;
    this.reason = reason;
    this.body = body;
  }
}

export const isNotFound = (err: unknown): boolean => err instanceof KubeApiError && err.status === 404;

export type JsonRequest = {
  query?: Record<string, string | boolean | undefined>;
  body?: unknown;
  /** Default application/json; apply-patch+yaml, json-patch+json or merge-patch+json for PATCH. */
  contentType?: string;
  /**
   * This call's deadline (connecting, sending and the whole answer), in place of the
   * TimeoutKubeConfig's requestTimeoutMs; without either a call waits as long as the server does.
   */
  timeoutMs?: number;
};

export type JsonClientOptions = {
  /**
   * Default true: calls share one keep-alive connection pool. false: every call opens its own
   * connection and closes it after (Node's `agent: false`), for a caller whose deadline matters
   * more than a TLS handshake per call (the Lease client says why).
   */
  reuseConnections?: boolean;
};

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type JsonClient = {
  request<T = unknown>(method: HttpMethod, path: string, req?: JsonRequest): Promise<T>;
};

/** A call that got no answer within its deadline: the call's own, else the TimeoutKubeConfig's. */
export class KubeRequestTimeoutError extends CodedError<'KUBE_TIMEOUT'> {}

type Answer = { status: number; text: string };

/** One HTTP exchange; rejects on a transport error, the signal, or `timeoutMs` without an answer. */
function exchange(url: URL, options: RequestOptions, body: string | undefined, timeoutMs: number | undefined) {
  return new Promise<Answer>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const fail = (err: unknown) => {
      clearTimeout(timer);
      reject(err);
    };
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    const req = send(url, options, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('error', fail);
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, text });
      });
    });
    req.on('error', fail);
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        const what = `${options.method} ${url.pathname}`;
        req.destroy(new KubeRequestTimeoutError('KUBE_TIMEOUT', `${what}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
    }
    req.end(body);
  });
}

export function createJsonClient(kc: KubeConfig, clientOptions: JsonClientOptions = {}): JsonClient {
  // Built from the first call's TLS settings: client-node reads a kubeconfig's certificates once,
  // when it loads it, so they are the same for every call of this client.
  let pool: Agent | undefined;
  const reuse = clientOptions.reuseConnections ?? true;
  const timeouts = kc instanceof TimeoutKubeConfig ? kc : undefined;
  return {
    async request<T>(method: HttpMethod, path: string, req: JsonRequest = {}): Promise<T> {
      const cluster = kc.getCurrentCluster();
      if (!cluster?.server) throw new KubeApiError(0, 'NoCluster', 'the kubeconfig names no cluster', undefined);
      const url = new URL(`${cluster.server.replace(/\/$/, '')}${path}`);
      for (const [name, value] of Object.entries(req.query ?? {})) {
        if (value !== undefined) url.searchParams.set(name, String(value));
      }
      const options: RequestOptions = {};
      await kc.applyToHTTPSOptions(options);
      if (!cluster.proxyUrl && !reuse) {
        options.agent = false;
      } else if (!cluster.proxyUrl && url.protocol === 'https:') {
        // An idle connection closes after a minute: a leadership term's client does not keep its
        // pool open for long after the term. A call that times out destroys its socket, which
        // leaves the pool with it.
        pool ??= new Agent({
          keepAlive: true,
          timeout: 60_000,
          ca: options.ca,
          cert: options.cert,
          key: options.key,
          pfx: options.pfx,
          passphrase: options.passphrase,
          ...(options.rejectUnauthorized !== undefined && { rejectUnauthorized: options.rejectUnauthorized }),
          ...(options.servername !== undefined && { servername: options.servername }),
        });
        options.agent = pool;
      }
      const body = req.body === undefined ? undefined : JSON.stringify(req.body);
      options.method = method;
      options.headers = {
        ...(options.headers as Record<string, string> | undefined),
        accept: 'application/json',
        // With a length: Node frames a body neither by length nor by chunks for DELETE (nor GET), so
        // a DELETE's options body would reach the apiserver unframed, be ignored, and spoil the next
        // request on the connection.
        ...(body !== undefined && {
          'content-type': req.contentType ?? 'application/json',
          'content-length': String(Buffer.byteLength(body)),
        }),
      };
      if (timeouts?.abortSignal) options.signal = timeouts.abortSignal;
      const res = await exchange(url, options, body, req.timeoutMs ?? timeouts?.requestTimeoutMs);
      let parsed: unknown;
      try {
        parsed = res.text ? JSON.parse(res.text) : undefined;
      } catch {
        parsed = res.text;
      }
      if (res.status >= 200 && res.status < 300) return parsed as T;
      const status = (parsed ?? {}) as { message?: unknown; reason?: unknown };
      throw new KubeApiError(
        res.status,
        typeof status.reason === 'string' ? status.reason : '',
        typeof status.message === 'string' ? status.message : `${method} ${path}: HTTP ${res.status}`,
        parsed,
      );
    },
  };
}
