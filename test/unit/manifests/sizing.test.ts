// The sizing formula (src/manifests/sizing.ts) against what it promises: the default install is its
// floor and what it gives for few WebApps, every size holds the measured relist peak with the margin,
// sizes grow with the count, and docs/sizing.md's worked examples and coverage are its figures.
import { readFile } from 'node:fs/promises';
import t from 'tap';
import { MEMORY, RESOURCES, NODE_OPTIONS, toNodeOptions } from '../../../src/manifests/deployment.ts';
import {
  MARGIN,
  MEASURED,
  NON_HEAP_IDLE_MIB,
  NON_HEAP_PER_1000_MIB,
  RELIST_HEAP_PER_1000_MIB,
  toSizing,
  webAppsCovered,
} from '../../../src/manifests/sizing.ts';
import { tableRows } from '../../helpers/markdown-table.ts';

const NONE = { requestMiB: 0, limitMiB: 0, heapBoundMiB: 0 };

t.test('the default install is the formula for few WebApps, and what the Deployment runs', async (t) => {
  t.strictSame(toSizing(0, MEMORY), MEMORY);
  t.strictSame(toSizing(1000, MEMORY), MEMORY);
  t.equal(RESOURCES.requests.memory, `${MEMORY.requestMiB}Mi`);
  t.equal(RESOURCES.limits.memory, `${MEMORY.limitMiB}Mi`);
  t.equal(NODE_OPTIONS, toNodeOptions(MEMORY.heapBoundMiB));
  t.match(NODE_OPTIONS, /(^| )--max-old-space-size=320( |$)/);
});

t.test('the terms are bench:scale’s figures at 731ca91', async (t) => {
  t.equal(Math.round(RELIST_HEAP_PER_1000_MIB * 100) / 100, 9.52);
  t.equal(Math.round(NON_HEAP_IDLE_MIB * 10) / 10, 87.1);
  t.equal(Math.round(NON_HEAP_PER_1000_MIB * 100) / 100, 8.98);
  t.equal(MARGIN, 1.25);
});

t.test('every size holds the heap’s relist peak and the room beside it, with the margin', async (t) => {
  for (const webApps of [0, 1000, 5000, 7900, 8000, 10_000, 20_000, 33_333, 50_000, 100_000]) {
    const n = webApps / 1000;
    const s = toSizing(webApps, MEMORY);
    const peak = MEASURED.idleHeapMiB + RELIST_HEAP_PER_1000_MIB * n;
    t.ok(s.heapBoundMiB >= peak * MARGIN, `${webApps}: bound ${s.heapBoundMiB} >= 1.25 x ${peak}`);
    const room = (NON_HEAP_IDLE_MIB + NON_HEAP_PER_1000_MIB * n) * MARGIN;
    t.ok(s.limitMiB - s.heapBoundMiB >= Math.max(192, room), `${webApps}: limit ${s.limitMiB}`);
    const steady = MEASURED.idleRssMiB + MEASURED.rssPer1000MiB * n;
    t.ok(s.requestMiB >= steady * MARGIN, `${webApps}: request ${s.requestMiB} >= 1.25 x ${steady}`);
    t.ok(s.limitMiB % 128 === 0 && s.requestMiB % 128 === 0 && s.heapBoundMiB % 64 === 0, 'in whole steps');
  }
  const at = [0, 5000, 10_000, 20_000, 50_000].map((n) => toSizing(n, NONE));
  for (const [i, s] of at.entries()) {
    if (i === 0) continue;
    const before = at[i - 1]!;
    // In steps (64 MiB for the bound, 128 for the limit) over floors (the room's 192), so two counts
    // may share a size; never less, and the limit grows past 5,000 (below, so small, the floors rule).
    t.ok(s.heapBoundMiB >= before.heapBoundMiB && s.limitMiB >= before.limitMiB, 'more WebApps, never less memory');
    if (i > 1) t.ok(s.limitMiB > before.limitMiB, 'more WebApps, a larger limit');
  }
});

t.test('the default install holds 7,400 WebApps by the formula, as docs/sizing.md says', async (t) => {
  t.equal(webAppsCovered(MEMORY), 7400);
  const at7400 = toSizing(7400, MEMORY);
  t.strictSame([at7400.heapBoundMiB, at7400.limitMiB], [MEMORY.heapBoundMiB, MEMORY.limitMiB], '7,400 fit');
  t.strictSame(toSizing(7500, MEMORY).limitMiB > MEMORY.limitMiB, true, '7,500 need a larger limit');
  const doc = await readFile(new URL('../../../docs/sizing.md', import.meta.url), 'utf8');
  t.match(doc, 'holds **about 7,400 WebApps**');
});

t.test('the worked examples of docs/sizing.md are the formula’s', async (t) => {
  const doc = await readFile(new URL('../../../docs/sizing.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('## Worked examples'));
  const table = section.slice(section.indexOf('| WebApps'), section.indexOf('\n\n', section.indexOf('| WebApps')));
  const rows = tableRows(table);
  t.equal(rows.length, 4);
  for (const [webApps, bound, limit, request, steady] of rows) {
    const n = Number(webApps!.replaceAll(',', ''));
    const s = toSizing(n, MEMORY);
    t.strictSame([Number(bound), limit, request], [s.heapBoundMiB, `${s.limitMiB}Mi`, `${s.requestMiB}Mi`], webApps!);
    t.equal(steady, `${Math.round(MEASURED.idleRssMiB + (MEASURED.rssPer1000MiB * n) / 1000)} MiB`);
  }
});
