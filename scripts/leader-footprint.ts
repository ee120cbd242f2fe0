// What a leader holds that a standby does not, per structure, for N converged WebApps: the heap
// used after a full collection with the structure filled as a term fills it, against the same
// without. The structures are the real modules, driven as the controller drives them:
// - the applied cache: one apply of each of the four children per WebApp (apiserver responses
//   from test/fixtures/operator/cached/, made distinct per WebApp);
// - the written statuses: one status write per WebApp, then (after) its watch event;
// - the work queue: every WebApp reconciled and waiting for its resync (a timer per key);
// - the rate limiter: a failure for every WebApp, then the success that forgets it;
// - the Event recorder: one "Created" Event per WebApp (its correlation map, capped at 10,000).
//   node --expose-gc scripts/leader-footprint.ts [N=10000]
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pino } from 'pino';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { WebAppStatus } from '../src/api/webapp.ts';
import type { JsonClient } from '../src/kube/json-client.ts';
import { createAppliedCache } from '../src/operator/applied-cache.ts';
import { toCachedChild } from '../src/operator/cache-transforms.ts';
import { CHILD_KINDS, type ChildKind } from '../src/operator/child-kinds.ts';
import { createEventRecorder } from '../src/operator/event-recorder.ts';
import { createExponentialRateLimiter } from '../src/operator/rate-limiter.ts';
import { createWorkQueue } from '../src/operator/work-queue.ts';
import { createWrittenStatus } from '../src/operator/written-status.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const n = Number(process.argv[2] ?? 10_000);
const fixture = (kind: string) =>
  readFileSync(new URL(`../test/fixtures/operator/cached/${kind}.json`, import.meta.url), 'utf8');
const webAppText = fixture('WebApp');
const childTexts = Object.fromEntries(CHILD_KINDS.map(({ kind }) => [kind, fixture(kind)]));
const named = (text: string, i: number) =>
  JSON.parse(
    text
      .replaceAll('"web', `"web-${i}`)
      .replace(/"uid": "[0-9a-f]{8}/g, (m) => `${m.slice(0, -8)}${i.toString(16).padStart(8, '0')}`)
      .replace(/"resourceVersion": "\d+"/, `"resourceVersion": "${1000 + i}"`),
  );

function usedAfterGc(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

/** MiB per 1,000 WebApps that `fill` leaves held (in what it returns) after a full collection. */
async function measure(fill: () => Promise<unknown>): Promise<number> {
  const before = usedAfterGc();
  const held = await fill();
  const after = usedAfterGc();
  void held;
  return ((after - before) / 2 ** 20) * (1000 / n);
}

const run = promisify(execFile);
const silent = pino({ level: 'silent' });
const structures: Record<string, () => Promise<unknown>> = {
  async 'applied cache'() {
    const cache = createAppliedCache(
      () => undefined,
      (o) => toCachedChild(o.kind as ChildKind, o as KubernetesObject),
    );
    for (let i = 0; i < n; i++) {
      for (const { kind, apiVersion } of CHILD_KINDS) {
        const stored = { apiVersion, kind, ...named(childTexts[kind]!, i) };
        delete stored.metadata.managedFields;
        const body = { apiVersion, kind, metadata: { name: stored.metadata.name, namespace: 'shop' } };
        await cache.apply(body, async () => stored);
      }
    }
    return cache;
  },
  async 'written statuses, in flight'() {
    const written = createWrittenStatus();
    for (let i = 0; i < n; i++) {
      const w = named(webAppText, i);
      written.wrote(w.metadata.uid, w.status as WebAppStatus, w.metadata.resourceVersion);
    }
    return written;
  },
  async 'written statuses, after their events'() {
    const written = createWrittenStatus();
    for (let i = 0; i < n; i++) {
      const w = named(webAppText, i);
      written.wrote(w.metadata.uid, w.status as WebAppStatus, w.metadata.resourceVersion);
      written.observe(w);
    }
    return written;
  },
  async 'written statuses, as kept before (a Map by uid for the term)'() {
    const written = new Map<string, WebAppStatus>();
    for (let i = 0; i < n; i++) {
      const w = named(webAppText, i);
      written.set(w.metadata.uid, w.status as WebAppStatus);
    }
    return written;
  },
  async 'work queue, every key waiting for its resync'() {
    const queue = createWorkQueue();
    for (let i = 0; i < n; i++) queue.add(`shop-${i}/web-${i}`);
    for (let i = 0; i < n; i++) {
      const key = (await queue.get())!;
      queue.forget(key);
      queue.addAfter(key, 600_000);
      queue.done(key);
    }
    return {
      queue,
      release: () => queue.shutDown(),
    };
  },
  async 'rate limiter, after failures then successes'() {
    const limiter = createExponentialRateLimiter();
    for (let i = 0; i < n; i++) limiter.when(`shop-${i}/web-${i}`);
    for (let i = 0; i < n; i++) limiter.forget(`shop-${i}/web-${i}`);
    return limiter;
  },
  async 'Event recorder, one Created per WebApp'() {
    const client = { request: async () => ({}) } as unknown as JsonClient;
    const events = createEventRecorder(client, { component: 'shipshape', host: 'leader', logger: silent });
    let last: Promise<unknown> = Promise.resolve();
    for (let i = 0; i < n; i++) {
      const w = named(webAppText, i);
      events.record(w, 'Normal', 'Created', `Created ConfigMap web-${i}-env, Deployment web-${i} and Service web-${i}`);
      // record() queues at most 1,000 Events: let the queue drain as a live one would.
      if (i % 500 === 499) await (last = new Promise((r) => setTimeout(r, 0)));
    }
    await last;
    await new Promise((r) => setTimeout(r, 10));
    return events;
  },
};

// Each structure in a process of its own, so that nothing one left behind is counted in another.
const only = process.argv[3];
if (only !== undefined) {
  let held: unknown;
  const mib = await measure(async () => (held = await fill(only)));
  (held as { release?: () => void } | undefined)?.release?.();
  process.stdout.write(`${mib.toFixed(3)}\n`);
} else {
  console.log(`leader-only heap per 1,000 WebApps (MiB), N=${n}, node ${process.version}`);
  for (const name of Object.keys(structures)) {
    const args = ['--expose-gc', fileURLToPath(import.meta.url), String(n), name];
    const { stdout } = await run(process.execPath, args);
    console.log(`${name} | ${stdout.trim()}`);
  }
}

/** Fills the structure `name` for N WebApps. */
function fill(name: string): Promise<unknown> {
  const structure = structures[name];
  if (!structure) throw new Error(`no structure ${name}`);
  return structure();
}
