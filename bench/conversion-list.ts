// Listing WebApps through the real apiserver at the storage version (v1) and at the version it
// converts to (v2) (bench/conversion.ts, part two), with the ConversionReviews each list made the
// replica answer, read from its own counter (shipshape_conversion_reviews_total on its metrics
// port) before and after every list.
import type { KubeConfig } from '@kubernetes/client-node';
import { API_GROUP, WEBAPP_PLURAL } from '../src/constants.ts';
import { createJsonClient } from '../src/kube/json-client.ts';
import { median } from './median.ts';

/** How a list is read: its query (resourceVersion=0 is the watch cache's; none is a quorum read). */
export type ListMode = { name: string; query: Record<string, string> };
export type ListFigure = {
  mode: string;
  version: string;
  p50Ms: number;
  p90Ms: number;
  lists: number;
  /** ConversionReviews and objects the replica converted, per list (medians). */
  reviewsPerList: number;
  objectsPerList: number;
};

const collection = (version: string, namespace: string) =>
  `/apis/${API_GROUP}/${version}/namespaces/${namespace}/${WEBAPP_PLURAL}`;

/** Sum of a counter's series on a replica's Prometheus endpoint. */
async function counter(metricsPort: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n'))
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.split(' ').at(-1));
  return sum;
}

/**
 * Creates `count` WebApps in `namespace` through the webhooks, `workers` at a time: every other one
 * at v1 as `v1`, the rest at v2 as `v2` (stored at v1 with the v2-fields annotation).
 */
export async function createWebApps(
  kc: KubeConfig,
  namespace: string,
  count: number,
  specs: { v1: object; v2: object },
  workers = 16,
): Promise<void> {
  const client = createJsonClient(kc);
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (let i = next++; i < count; i = next++) {
        const version = i % 2 ? 'v2' : 'v1';
        await client.request('POST', collection(version, namespace), {
          body: {
            apiVersion: `${API_GROUP}/${version}`,
            kind: 'WebApp',
            metadata: { name: `app-${i}` },
            spec: specs[version],
          },
          timeoutMs: 60_000,
        });
      }
    }),
  );
}

/**
 * `rounds` lists per mode and version, the order rotated each round; throws when a list does not
 * hold `expected` items of the version asked for.
 */
export async function measureLists(
  kc: KubeConfig,
  metricsPort: number,
  namespace: string,
  modes: ListMode[],
  rounds: number,
  expected: number,
): Promise<ListFigure[]> {
  const client = createJsonClient(kc);
  const cells = modes.flatMap((mode) => ['v1', 'v2'].map((version) => ({ mode, version })));
  const samples = new Map(
    cells.map((c) => [c, { ms: [] as number[], reviews: [] as number[], objects: [] as number[] }]),
  );
  // One list of each cell first, not timed: the first list of a version builds its decoders.
  for (const { mode, version } of cells)
    await client.request('GET', collection(version, namespace), { query: mode.query, timeoutMs: 120_000 });
  for (let round = 0; round < rounds; round++) {
    const order = [...cells.slice(round % cells.length), ...cells.slice(0, round % cells.length)];
    for (const cell of order) {
      const reviewsBefore = await counter(metricsPort, 'shipshape_conversion_reviews_total');
      const objectsBefore = await counter(metricsPort, 'shipshape_conversion_objects_total');
      const started = performance.now();
      const list = await client.request<{ items: { apiVersion: string }[] }>(
        'GET',
        collection(cell.version, namespace),
        { query: cell.mode.query, timeoutMs: 120_000 },
      );
      const ms = performance.now() - started;
      const wrong = list.items.filter((i) => i.apiVersion !== `${API_GROUP}/${cell.version}`).length;
      if (list.items.length !== expected || wrong)
        throw new Error(`${cell.mode.name} ${cell.version}: ${list.items.length} items, ${wrong} of another version`);
      const s = samples.get(cell)!;
      s.ms.push(ms);
      s.reviews.push((await counter(metricsPort, 'shipshape_conversion_reviews_total')) - reviewsBefore);
      s.objects.push((await counter(metricsPort, 'shipshape_conversion_objects_total')) - objectsBefore);
    }
  }
  const pct = (xs: number[], q: number) =>
    [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
  return cells.map((cell) => {
    const s = samples.get(cell)!;
    return {
      mode: cell.mode.name,
      version: cell.version,
      p50Ms: median(s.ms),
      p90Ms: pct(s.ms, 0.9),
      lists: s.ms.length,
      reviewsPerList: median(s.reviews),
      objectsPerList: median(s.objects),
    };
  });
}
