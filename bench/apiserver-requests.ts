// The apiserver's own request counters (apiserver_request_total on /metrics), summed by verb and
// resource, so a benchmark can say how many calls a phase cost it (the apiserver shares the
// machine's cores with everything else, so its work per object is what convergence pays for).
import type { KubeConfig } from '@kubernetes/client-node';
import { createJsonClient } from '../src/kube/json-client.ts';
import { sleep } from '../src/runtime/sleep.ts';

/** "VERB resource[/subresource]" -> count. */
export type RequestCounts = Map<string, number>;

const SAMPLE = /^apiserver_request_total\{([^}]*)\} (\S+)$/;
const LABEL = /(\w+)="([^"]*)"/g;

export async function apiserverRequestCounts(kc: KubeConfig): Promise<RequestCounts> {
  // The Prometheus text format: the client hands back what is not JSON as it came.
  const body = await createJsonClient(kc).request('GET', '/metrics', { timeoutMs: 30_000 });
  if (typeof body !== 'string') throw new Error('GET /metrics answered no text');
  const counts: RequestCounts = new Map();
  for (const line of body.split('\n')) {
    const sample = SAMPLE.exec(line);
    if (!sample) continue;
    const labels = Object.fromEntries([...sample[1]!.matchAll(LABEL)].map((m) => [m[1]!, m[2]!]));
    const resource = labels.subresource ? `${labels.resource}/${labels.subresource}` : labels.resource;
    const key = `${labels.verb} ${resource || labels.component || '-'}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(sample[2]));
  }
  return counts;
}

/** after - before, largest first, without keys that did not move. */
export function countsBetween(before: RequestCounts, after: RequestCounts): [string, number][] {
  return [...after]
    .map(([key, n]): [string, number] => [key, n - (before.get(key) ?? 0)])
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
}

const WRITES = /^(POST|PUT|PATCH|APPLY|DELETE|DELETECOLLECTION) /;

/**
 * Waits until the apiserver takes fewer than `perSecond` writes a second (over 2 s), i.e. the
 * cluster's controllers have caught up with what a phase left them; returns the seconds waited.
 */
export async function waitForQuiet(kc: KubeConfig, perSecond = 20, maxSeconds = 300): Promise<number> {
  const started = performance.now();
  const writes = (counts: RequestCounts) =>
    [...counts].reduce((sum, [key, n]) => (WRITES.test(key) ? sum + n : sum), 0);
  let last = writes(await apiserverRequestCounts(kc));
  for (;;) {
    await sleep(2000);
    const now = writes(await apiserverRequestCounts(kc));
    const waited = (performance.now() - started) / 1000;
    if ((now - last) / 2 < perSecond) return waited;
    if (waited > maxSeconds)
      throw new Error(`the apiserver still took ${(now - last) / 2} writes/s after ${maxSeconds} s`);
    last = now;
  }
}
