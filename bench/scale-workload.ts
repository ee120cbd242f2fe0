// bench/scale.ts's workload: WebApps [from, to) spread over namespaces of `perNamespace` each,
// created through the webhooks and timed until converged, and the plain server-side-apply
// baseline of the same children (as bench/convergence.ts's, over namespaces).
import { type KubeConfig, Watch } from '@kubernetes/client-node';
import { DEFAULTS, type DefaultedSpec, type DefaultedWebApp } from '../src/api/defaults.ts';
import { API_GROUP, API_VERSION, WEBAPP_KIND, WEBAPP_PLURAL } from '../src/constants.ts';
import { serverSideApply } from '../src/kube/apply.ts';
import { KubeApiError, createJsonClient, isNotFound } from '../src/kube/json-client.ts';
import { CHILD_KINDS } from '../src/operator/child-kinds.ts';
import { pollUntil } from '../src/runtime/poll.ts';

const STEP_LABEL = 'bench.shipshape.dev/step';
const WEBAPPS = `/apis/${API_GROUP}/${API_VERSION}`;

export type Workload = { kc: KubeConfig; perNamespace: number; workers: number };

/** Runs `task(i)` for i in [from, to) with at most `limit` in flight. */
async function pool(from: number, to: number, limit: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = from;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < to) await task(next++);
    }),
  );
}

/** A WebApp's spec: no Pods (replicas 0) and one env var, so a ConfigMap child. */
export const spec = (i: number, replicas = 0) => ({
  image: 'nginx:1.27',
  replicas,
  env: [{ name: 'GREETING', value: `hello ${i}` }],
});

/** Creates each namespace; one that exists already (a namespace two steps share) is kept. */
export async function createNamespaces(kc: KubeConfig, names: string[]): Promise<void> {
  const client = createJsonClient(kc);
  for (const name of names) {
    await client.request('POST', '/api/v1/namespaces', { body: { metadata: { name } } }).catch((err: unknown) => {
      if (!(err instanceof KubeApiError && err.status === 409)) throw err;
    });
  }
}

export async function deleteNamespaces(kc: KubeConfig, names: string[]): Promise<void> {
  const client = createJsonClient(kc);
  for (const name of names) await client.request('DELETE', `/api/v1/namespaces/${name}`);
  for (const name of names) {
    await pollUntil(
      `namespace ${name} gone`,
      () =>
        client.request('GET', `/api/v1/namespaces/${name}`).then(
          () => false,
          (err: unknown) => isNotFound(err) || Promise.reject(err),
        ),
      { timeoutMs: 900_000, intervalMs: 1000 },
    );
  }
}

function withoutOwner<T extends { metadata?: object }>(child: T): T {
  const metadata: { ownerReferences?: unknown } = { ...child.metadata };
  delete metadata.ownerReferences;
  return { ...child, metadata };
}

const namespacesFor = (prefix: string, from: number, to: number, perNamespace: number) => [
  ...new Set(Array.from({ length: to - from }, (_, k) => `${prefix}-${Math.floor((from + k) / perNamespace)}`)),
];

/**
 * The children of WebApps [from, to) applied straight, in namespaces of their own; the seconds
 * and the namespaces (for the caller to delete).
 */
export async function baseline(
  { kc, perNamespace, workers }: Workload,
  from: number,
  to: number,
): Promise<{ seconds: number; namespaces: string[] }> {
  const client = createJsonClient(kc);
  const namespaces = namespacesFor(`baseline-${to}`, from, to, perNamespace);
  await createNamespaces(kc, namespaces);
  const started = performance.now();
  await pool(from, to, workers, async (i) => {
    const webApp: DefaultedWebApp = {
      apiVersion: `${API_GROUP}/${API_VERSION}`,
      kind: WEBAPP_KIND,
      metadata: {
        name: `app-${i}`,
        namespace: `baseline-${to}-${Math.floor(i / perNamespace)}`,
        uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      },
      spec: { ...(structuredClone(DEFAULTS) as Omit<DefaultedSpec, 'image'>), ...spec(i) },
    };
    for (const { build, plural } of CHILD_KINDS) {
      const child = build(webApp);
      if (!child) continue;
      // Without the owner reference to a WebApp that does not exist (the garbage collector would
      // delete the child during the operator's phase, which would pay for it).
      await serverSideApply(client, withoutOwner(child), { plural });
    }
  });
  return { seconds: (performance.now() - started) / 1000, namespaces };
}

/** Creates WebApps [from, to) through the webhooks; seconds until each has a status for its generation. */
export async function converge({ kc, perNamespace }: Workload, from: number, to: number): Promise<number> {
  const client = createJsonClient(kc);
  await createNamespaces(kc, namespacesFor('scale', from, to, perNamespace));
  type Seen = { metadata: { name: string; generation?: number }; status?: { observedGeneration?: number } };
  const converged = new Set<string>();
  let shown = 0;
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const done = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  const watch = await new Watch(kc).watch(
    `${WEBAPPS}/${WEBAPP_PLURAL}`,
    { labelSelector: `${STEP_LABEL}=${to}` },
    (phase: string, obj: Seen) => {
      if (phase === 'DELETED' || obj.status?.observedGeneration !== obj.metadata.generation) {
        converged.delete(obj.metadata.name);
      } else converged.add(obj.metadata.name);
      if (converged.size % 500 === 0 && converged.size !== shown) {
        shown = converged.size;
        process.stderr.write(`\r  converged ${shown}/${to - from}`);
      }
      if (converged.size === to - from) resolve();
    },
    (err) => reject(err ?? new Error('the WebApp watch ended before every WebApp converged')),
  );
  const started = performance.now();
  try {
    await pool(from, to, 16, (i) =>
      client.request('POST', `${WEBAPPS}/namespaces/scale-${Math.floor(i / perNamespace)}/${WEBAPP_PLURAL}`, {
        body: {
          apiVersion: `${API_GROUP}/${API_VERSION}`,
          kind: WEBAPP_KIND,
          metadata: { name: `app-${i}`, labels: { [STEP_LABEL]: String(to) } },
          spec: spec(i),
        },
      }),
    );
    await done;
    process.stderr.write('\n');
    return (performance.now() - started) / 1000;
  } finally {
    watch.abort();
  }
}
