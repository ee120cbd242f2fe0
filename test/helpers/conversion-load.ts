// Continuous traffic in both WebApp versions through the apiserver (issue #35's HA scenario): each
// writer creates at one version, reads the object back at the other, changes it at the other and
// reads it again at the first; a reader lists at both. Every write goes through the admission
// webhooks (registered for v1 with matchPolicy Equivalent, so a v2 write is converted for them) and
// every read or write in v2 through the conversion webhook, as the storage version is v1. A request
// the apiserver refuses is a failure, by kind (conversion, admission, other); an answer that is not
// what the request should give (a field lost in conversion) is `wrong`.
import { isDeepStrictEqual } from 'node:util';
import type { KubeConfig } from '@kubernetes/client-node';
import { API_GROUP, WEBAPP_PLURAL } from '../../src/constants.ts';
import { V2_FIELDS_ANNOTATION } from '../../src/api/v2-fields-annotation.ts';
import { createJsonClient } from '../../src/kube/json-client.ts';

export type FailureKind = 'conversion' | 'admission' | 'other';
export type ConversionLoadResult = {
  /** Requests answered as they should be, by what they were. */
  ok: Record<string, number>;
  failures: { at: number; kind: FailureKind; what: string; message: string }[];
  wrong: { at: number; what: string; message: string }[];
};

type WebApp = {
  apiVersion: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec: Record<string, unknown> & { ports?: { name: string }[]; autoscaling?: unknown; port?: number };
};

const V1_SPEC = {
  image: 'registry.example.com/team/shop:1.27.3',
  port: 8081,
  env: [{ name: 'GREETING', value: 'hello' }],
  service: { type: 'ClusterIP', port: 8000 },
};
/** With what v1 cannot say: a second port and autoscaling. */
const V2_SPEC = {
  image: 'registry.example.com/team/shop:1.27.3',
  ports: [
    { name: 'http', containerPort: 8080, servicePort: 80 },
    { name: 'metrics', containerPort: 9090 },
  ],
  env: [{ name: 'GREETING', value: 'hello' }],
  autoscaling: { minReplicas: 1, maxReplicas: 3 },
};

/** The apiserver's words for a webhook it could not call or that answered with a failure. */
export function failureKind(message: string): FailureKind {
  if (/conversion webhook/i.test(message)) return 'conversion';
  if (/admission webhook|failed calling webhook/i.test(message)) return 'admission';
  return 'other';
}

export function startConversionLoad(kc: KubeConfig, namespace: string, { writers = 2, readers = 1 } = {}) {
  const client = createJsonClient(kc);
  const result: ConversionLoadResult = { ok: {}, failures: [], wrong: [] };
  let running = true;
  const collection = (version: string) => `/apis/${API_GROUP}/${version}/namespaces/${namespace}/${WEBAPP_PLURAL}`;
  /** One request; undefined when it failed (recorded). */
  const call = async <T>(what: string, run: () => Promise<T>): Promise<T | undefined> => {
    try {
      const answer = await run();
      result.ok[what] = (result.ok[what] ?? 0) + 1;
      return answer;
    } catch (err) {
      const message = String((err as Error).message).slice(0, 400);
      result.failures.push({ at: Date.now(), kind: failureKind(message), what, message });
      return undefined;
    }
  };
  const wrong = (what: string, message: string) => result.wrong.push({ at: Date.now(), what, message });
  const create = (version: string, name: string, spec: object) =>
    client.request<WebApp>('POST', collection(version), {
      body: { apiVersion: `${API_GROUP}/${version}`, kind: 'WebApp', metadata: { name }, spec },
      timeoutMs: 30_000,
    });
  const get = (version: string, name: string) =>
    client.request<WebApp>('GET', `${collection(version)}/${name}`, { timeoutMs: 30_000 });
  const patch = (version: string, name: string, spec: object) =>
    client.request<WebApp>('PATCH', `${collection(version)}/${name}`, {
      body: { spec },
      contentType: 'application/merge-patch+json',
      timeoutMs: 30_000,
    });

  /** Created at v1, read and changed at v2, read at v1. */
  const v1Writer = async (w: number) => {
    for (let n = 0; running; n++) {
      const name = `v1-${w}-${n}`;
      if (!(await call('create v1', () => create('v1', name, V1_SPEC)))) continue;
      const v2 = await call('get v2', () => get('v2', name));
      if (v2 && !isDeepStrictEqual(v2.spec.ports, [{ name: 'http', containerPort: 8081, servicePort: 8000 }]))
        wrong('get v2', `${name}: ports ${JSON.stringify(v2.spec.ports)}`);
      if (!(await call('patch v2', () => patch('v2', name, { image: `${V1_SPEC.image}-${n}` })))) continue;
      const v1 = await call('get v1', () => get('v1', name));
      if (v1 && (v1.spec.image !== `${V1_SPEC.image}-${n}` || v1.spec.port !== 8081))
        wrong('get v1', `${name}: image ${String(v1.spec.image)}, port ${v1.spec.port}`);
    }
  };
  /** Created at v2 with v2-only fields, read and changed at v1, read at v2: nothing v1 cannot say is lost. */
  const v2Writer = async (w: number) => {
    for (let n = 0; running; n++) {
      const name = `v2-${w}-${n}`;
      if (!(await call('create v2', () => create('v2', name, V2_SPEC)))) continue;
      const v1 = await call('get v1', () => get('v1', name));
      if (v1 && (v1.spec.port !== 8080 || !v1.metadata.annotations?.[V2_FIELDS_ANNOTATION]))
        wrong('get v1', `${name}: port ${v1.spec.port}, annotations ${JSON.stringify(v1.metadata.annotations)}`);
      if (!(await call('patch v1', () => patch('v1', name, { image: `${V2_SPEC.image}-${n}` })))) continue;
      const v2 = await call('get v2', () => get('v2', name));
      // The apiserver answers with its keys sorted: compared as values, not as text; autoscaling
      // by the fields sent, as defaulting may add others.
      const autoscaling = (v2?.spec.autoscaling ?? {}) as Record<string, unknown>;
      const kept =
        isDeepStrictEqual(v2?.spec.ports, V2_SPEC.ports) &&
        Object.entries(V2_SPEC.autoscaling).every(([key, value]) => autoscaling[key] === value);
      if (v2 && (!kept || v2.spec.image !== `${V2_SPEC.image}-${n}`))
        wrong('get v2', `${name}: ${JSON.stringify(v2.spec)}`);
    }
  };
  const reader = async () => {
    while (running) {
      for (const version of ['v2', 'v1']) {
        const list = await call(`list ${version}`, () =>
          client.request<{ items: WebApp[] }>('GET', collection(version), { timeoutMs: 30_000 }),
        );
        const stray = list?.items.find((i) => i.apiVersion !== `${API_GROUP}/${version}`);
        if (stray) wrong(`list ${version}`, `${stray.metadata.name} listed as ${stray.apiVersion}`);
      }
    }
  };
  const loops = [
    ...Array.from({ length: writers }, (_, w) => v1Writer(w)),
    ...Array.from({ length: writers }, (_, w) => v2Writer(w)),
    ...Array.from({ length: readers }, () => reader()),
  ];
  const total = () => Object.values(result.ok).reduce((a, b) => a + b, 0);
  return {
    result,
    /** Requests answered as they should be so far. */
    total,
    /** Stops every loop after its request in flight; resolves with the totals. */
    async stop(): Promise<ConversionLoadResult> {
      running = false;
      await Promise.all(loops);
      return result;
    },
  };
}
