// Errors exactly as the reconciler's JSON client (src/kube/json-client.ts) throws them, for unit
// tests of code that reads them: the client itself calls a local HTTP server that refuses as a
// kube-apiserver does (a Status object), never answers, or is not there at all.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeApiError, createJsonClient } from '../../src/kube/json-client.ts';
import { TimeoutKubeConfig } from '../../src/kube/timeout-kubeconfig.ts';

type Teardown = { teardown(fn: () => unknown): void };
type Refusal = { status: number; reason: string; message: string };

function kubeConfigAt<K extends KubeConfig>(server: string, kc: K): K {
  kc.loadFromOptions({
    clusters: [{ name: 'local', server, skipTLSVerify: true }],
    users: [{ name: 'nobody' }],
    contexts: [{ name: 'local', cluster: 'local', user: 'nobody' }],
    currentContext: 'local',
  });
  return kc;
}

/** Starts the server (closed when `t` ends) and returns the errors it makes the client throw. */
export async function useKubeErrors(t: Teardown) {
  const server = createServer(async (req, res) => {
    // Any other path is a call the apiserver never answers.
    if (req.url !== '/refuse') return;
    const { status, reason, message } = JSON.parse(await text(req)) as Refusal;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message,
        reason,
        code: status,
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  t.teardown(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  const url = `http://127.0.0.1:${port}`;
  const client = createJsonClient(kubeConfigAt(url, new KubeConfig()));
  const rejection = (call: Promise<unknown>): Promise<Error> =>
    call.then(
      () => Promise.reject(new Error('the call succeeded')),
      (err: unknown) => (err instanceof Error ? err : Promise.reject(err)),
    );

  return {
    /** The apiserver's refusal, e.g. (409, 'Conflict', 'Operation cannot be fulfilled on ...'). */
    async refusal(status: number, reason: string, message: string): Promise<KubeApiError> {
      const err = await rejection(client.request('POST', '/refuse', { body: { status, reason, message } }));
      if (!(err instanceof KubeApiError)) throw err;
      return err;
    },
    /** A call that got no answer within the reconciler's TimeoutKubeConfig: the client's KUBE_TIMEOUT. */
    timeout(timeoutMs = 20): Promise<Error> {
      const kc = kubeConfigAt(url, new TimeoutKubeConfig());
      kc.requestTimeoutMs = timeoutMs;
      return rejection(createJsonClient(kc).request('GET', '/hang'));
    },
    /** A call made after its leadership term ended (TimeoutKubeConfig.withAbortSignal). */
    aborted(): Promise<Error> {
      const term = new AbortController();
      term.abort();
      const kc = kubeConfigAt(url, new TimeoutKubeConfig()).withAbortSignal(term.signal);
      return rejection(createJsonClient(kc).request('GET', '/hang'));
    },
    /** A call to a port nothing listens on: Node's ECONNREFUSED, as the client passes it on. */
    async refused(): Promise<Error> {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const { port: free } = closed.address() as AddressInfo;
      await new Promise((resolve) => closed.close(resolve));
      return rejection(
        createJsonClient(kubeConfigAt(`http://127.0.0.1:${free}`, new KubeConfig())).request('GET', '/api'),
      );
    },
  };
}
