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

t.test('the terms are bench:scale’s figures at 5afe306', async (t) => {
  t.equal(RELIST_HEAP_PER_1000_MIB, 25.4);
  t.equal(NON_HEAP_IDLE_MIB, 89);
  t.equal(Math.round(NON_HEAP_PER_1000_MIB * 10) / 10, 5.1);
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
    t.ok(s.heapBoundMiB > before.heapBoundMiB && s.limitMiB > before.limitMiB, 'more WebApps, more memory');
  }
});

t.test('the default install holds 7,900 WebApps by the formula, as docs/sizing.md says', async (t) => {
  t.equal(webAppsCovered(MEMORY), 7900);
  t.strictSame(toSizing(8000, MEMORY).heapBoundMiB > MEMORY.heapBoundMiB, true, '8,000 needs more');
  const doc = await readFile(new URL('../../../docs/sizing.md', import.meta.url), 'utf8');
  t.match(doc, 'holds **about 7,900 WebApps**');
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
