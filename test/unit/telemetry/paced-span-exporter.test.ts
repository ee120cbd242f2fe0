// PacedSpanExporter by direct calls, around a recording exporter: slices, their order, that no slice
// is exported inside export(), one slice per turn of the event loop, and how results combine.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import t from 'tap';
import { PacedSpanExporter, SLICE_SPANS } from '../../../src/telemetry/paced-span-exporter.ts';

/** Stand-ins: the exporter under test only counts and slices them. */
const spans = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `s${i}` }) as unknown as ReadableSpan);
const SUCCESS: ExportResult = { code: ExportResultCode.SUCCESS };

function recorder(answer: (slice: number) => ExportResult | 'throw' | 'later' = () => SUCCESS) {
  const slices: string[][] = [];
  const later: (() => void)[] = [];
  const calls = { shutdown: 0, forceFlush: 0 };
  const exporter: SpanExporter = {
    export(batch, callback) {
      const n = slices.push(batch.map((s) => s.name)) - 1;
      const result = answer(n);
      if (result === 'throw') throw new Error(`slice ${n} could not be serialised`);
      if (result === 'later') later.push(() => callback(SUCCESS));
      else callback(result);
    },
    async shutdown() {
      calls.shutdown++;
    },
    async forceFlush() {
      calls.forceFlush++;
    },
  };
  return { exporter, slices, later, calls };
}

const exportOnce = (paced: PacedSpanExporter, batch: ReadableSpan[]) =>
  new Promise<ExportResult>((resolve) => paced.export(batch, resolve));

t.test('a batch goes out in slices of SLICE_SPANS, in order, none inside export()', async (t) => {
  const { exporter, slices } = recorder();
  const paced = new PacedSpanExporter(exporter);
  const batch = spans(2 * SLICE_SPANS + 5);
  const result = exportOnce(paced, batch);
  t.same(slices, [], 'export() returned before any slice was serialised');
  t.same(await result, SUCCESS);
  t.same(
    slices.map((s) => s.length),
    [SLICE_SPANS, SLICE_SPANS, 5],
  );
  t.same(
    slices.flat(),
    batch.map((s) => s.name),
    'every span once, in order',
  );
});

t.test('one slice per turn of the event loop: other work runs between slices', async (t) => {
  const { exporter, slices } = recorder();
  const paced = new PacedSpanExporter(exporter, 2);
  const seen: number[] = [];
  const result = exportOnce(paced, spans(6));
  // A request arriving meanwhile is an I/O callback; setImmediate stands in for the next turn.
  await nextTurn();
  seen.push(slices.length);
  await nextTurn();
  seen.push(slices.length);
  await result;
  t.same(seen, [1, 2], 'a slice per turn, not the batch at once');
  t.equal(slices.length, 3);
});

t.test('the batch fails with the first failed slice, after every slice answered', async (t) => {
  const refused = new Error('collector said 503');
  const { exporter, slices, later } = recorder((n) =>
    n === 1 ? { code: ExportResultCode.FAILED, error: refused } : n === 2 ? 'later' : SUCCESS,
  );
  const paced = new PacedSpanExporter(exporter, 1);
  let answered: ExportResult | undefined;
  paced.export(spans(3), (r) => (answered = r));
  while (slices.length < 3) await nextTurn();
  await nextTurn();
  t.equal(answered, undefined, 'not answered while a slice is still in flight');
  later.forEach((answer) => answer());
  await nextTurn();
  t.equal(answered?.code, ExportResultCode.FAILED);
  t.equal(answered?.error, refused);
});

t.test('an exporter that throws fails its slice instead of leaving the batch unanswered', async (t) => {
  const { exporter } = recorder((n) => (n === 0 ? 'throw' : SUCCESS));
  const result = await exportOnce(new PacedSpanExporter(exporter, 4), spans(8));
  t.equal(result.code, ExportResultCode.FAILED);
  t.match(result.error?.message, /slice 0 could not be serialised/);
});

t.test('forceFlush and shutdown wait for batches handed over, then reach the real exporter', async (t) => {
  const { exporter, slices, calls } = recorder();
  const paced = new PacedSpanExporter(exporter, 10);
  paced.export(spans(25), () => {});
  await paced.forceFlush();
  t.equal(slices.length, 3, 'the whole batch was exported before forceFlush resolved');
  t.equal(calls.forceFlush, 1);
  paced.export(spans(5), () => {});
  await paced.shutdown();
  t.equal(slices.length, 4);
  t.equal(calls.shutdown, 1);
});

t.test('a slice size below 1 or not whole is refused', async (t) => {
  const { exporter } = recorder();
  for (const bad of [0, -1, 1.5, Number.NaN]) t.throws(() => new PacedSpanExporter(exporter, bad), RangeError);
});
