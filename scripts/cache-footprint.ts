// The heap the WebApp caches hold per 1,000 objects, per kind, as each replica keeps them: N
// objects parsed from the JSON a real apiserver returned (test/fixtures/operator/cached/, each
// made distinct: its own name, uid and resourceVersion), passed through a cache's transform and
// held, then the heap used after a full collection, against the same before. Two transforms: the
// managedFields-only strip the caches had before (in place, with `delete`), and the ones they use
// now (src/operator/cache-transforms.ts).
//   node --expose-gc scripts/cache-footprint.ts [N=10000]
import { readFileSync } from 'node:fs';
import type { KubernetesObject } from '@kubernetes/client-node';
import { toCachedChild, toCachedWebApp } from '../src/operator/cache-transforms.ts';
import { CHILD_KINDS } from '../src/operator/child-kinds.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const n = Number(process.argv[2] ?? 10_000);
const kinds = ['WebApp', ...CHILD_KINDS.map((c) => c.kind)];
const texts = Object.fromEntries(
  kinds.map((kind) => [
    kind,
    readFileSync(new URL(`../test/fixtures/operator/cached/${kind}.json`, import.meta.url), 'utf8'),
  ]),
);

function stripManagedFields(obj: KubernetesObject): KubernetesObject {
  if (obj.metadata?.managedFields !== undefined) delete obj.metadata.managedFields;
  return obj;
}

const transforms: Record<string, (kind: string, obj: KubernetesObject) => KubernetesObject> = {
  'managedFields only': (_kind, obj) => stripManagedFields(obj),
  'what is read': (kind, obj) =>
    kind === 'WebApp' ? toCachedWebApp(obj) : toCachedChild(kind as (typeof CHILD_KINDS)[number]['kind'], obj),
};

/**
 * Object `i` of `kind`'s text: names, uids and resourceVersions made unique, and its times one
 * second later every 30 objects (a cluster converging 30 WebApps a second), as in a cluster.
 */
function variant(text: string, i: number): string {
  const time = new Date(Date.UTC(2026, 11, 7, 4, 0, Math.floor(i / 30))).toISOString().replace('.000Z', 'Z');
  return text
    .replace(/"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ"/g, `"${time}"`)
    .replaceAll('"web', `"web-${i}`)
    .replace(/"uid": "[0-9a-f]{8}/g, (m) => `${m.slice(0, -8)}${i.toString(16).padStart(8, '0')}`)
    .replace(/"resourceVersion": "\d+"/, `"resourceVersion": "${1000 + i}"`);
}

function usedAfterGc(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

/** MiB held per 1,000 objects of `kind` through `transform`; what it held is released on return. */
function measure(kind: string, transform: (kind: string, obj: KubernetesObject) => KubernetesObject): number {
  // As Buffers, outside the heap: what is measured is only the objects parsed from them.
  const variants = Array.from({ length: n }, (_, i) => Buffer.from(variant(texts[kind]!, i)));
  const before = usedAfterGc();
  const held = variants.map((bytes) => transform(kind, JSON.parse(bytes.toString())));
  const after = usedAfterGc();
  if (held.length !== n) throw new Error('unreachable');
  return ((after - before) / 2 ** 20) * (1000 / n);
}

const rows: Array<{ transform: string; kind: string; mib: number }> = [];
for (const [name, transform] of Object.entries(transforms)) {
  for (const kind of kinds) rows.push({ transform: name, kind, mib: measure(kind, transform) });
}
console.log(`heap held per 1,000 objects (MiB), N=${n}, node ${process.version}`);
console.log(['kind', ...Object.keys(transforms)].join(' | '));
for (const kind of [...kinds, 'WebApp with its children']) {
  const cells = Object.keys(transforms).map((name) => {
    const mine = rows.filter((r) => r.transform === name && (r.kind === kind || kind.startsWith('WebApp with')));
    return mine.reduce((sum, r) => sum + r.mib, 0).toFixed(2);
  });
  console.log([kind, ...cells].join(' | '));
}
