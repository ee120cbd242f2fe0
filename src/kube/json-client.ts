// Kubernetes API calls on plain JSON, for the reconciler's writes. The generated clients of
// @kubernetes/client-node turn every body into and out of typed models (ObjectSerializer walks
// each field of a V1Deployment both ways), and KubernetesObjectApi asks the apiserver for the
// group's resource list before each call it makes through a new instance. A reconcile knows its
// paths (src/operator/child-kinds.ts) and sends JSON it built itself, so this sends it as it is,
// through the KubeConfig's own authentication, connection pool, timeout and abort signal
// (TimeoutKubeConfig), and returns the parsed answer.
import { HttpMethod, IsomorphicFetchHttpLibrary, type KubeConfig, RequestContext } from '@kubernetes/client-node';
import { CodedError } from '../errors/coded-error.ts';

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
};

export type JsonClient = {
  request<T = unknown>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, req?: JsonRequest): Promise<T>;
};

const METHODS = { GET: HttpMethod.GET, POST: HttpMethod.POST, PATCH: HttpMethod.PATCH, DELETE: HttpMethod.DELETE };

export function createJsonClient(kc: KubeConfig): JsonClient {
  const http = new IsomorphicFetchHttpLibrary();
  return {
    async request<T>(method: keyof typeof METHODS, path: string, req: JsonRequest = {}): Promise<T> {
      const server = kc.getCurrentCluster()?.server;
      if (!server) throw new KubeApiError(0, 'NoCluster', 'the kubeconfig names no cluster', undefined);
      const ctx = new RequestContext(`${server.replace(/\/$/, '')}${path}`, METHODS[method]);
      for (const [name, value] of Object.entries(req.query ?? {})) {
        if (value !== undefined) ctx.setQueryParam(name, String(value));
      }
      ctx.setHeaderParam('Accept', 'application/json');
      if (req.body !== undefined) {
        ctx.setHeaderParam('Content-Type', req.contentType ?? 'application/json');
        ctx.setBody(JSON.stringify(req.body));
      }
      await kc.applySecurityAuthentication(ctx);
      const res = await http.send(ctx).toPromise();
      const text = await res.body.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = text;
      }
      if (res.httpStatusCode >= 200 && res.httpStatusCode < 300) return parsed as T;
      const status = (parsed ?? {}) as { message?: unknown; reason?: unknown };
      throw new KubeApiError(
        res.httpStatusCode,
        typeof status.reason === 'string' ? status.reason : '',
        typeof status.message === 'string' ? status.message : `${method} ${path}: HTTP ${res.httpStatusCode}`,
        parsed,
      );
    },
  };
}
