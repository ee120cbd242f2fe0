// A span exporter that passes each batch on to the real one in slices, one slice per turn of the
// event loop, and never inside the call that hands it the batch.
//
// Why: the SDK's BatchSpanProcessor calls export() from inside the span.end() that fills a batch,
// and the OTLP exporters serialise the whole batch synchronously in export(). For the admission
// spans that is 512 spans and milliseconds of CPU (docs/decisions/0010 has the figures): the
// review whose span filled the batch waited for all of it before its answer was sent, and every
// review queued behind it on the event loop too. In slices of SLICE_SPANS, each started from
// setImmediate, reviews are answered between slices: the same CPU in all, a stall
// of about a slice's serialisation instead of a batch's.
//
// The slices are exported concurrently (each is its own OTLP request; the exporter bounds how many
// it keeps in flight and fails the rest, as it would with more processors); the batch succeeds
// when every slice did, and fails with the first slice's error otherwise.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';

/** Spans serialised per turn of the event loop. */
export const SLICE_SPANS = 64;

/** An exporter that throws instead of calling back has failed the slice. */
const failure = (error: unknown): ExportResult => ({
  code: ExportResultCode.FAILED,
  error: error instanceof Error ? error : new Error(String(error)),
});

export class PacedSpanExporter implements SpanExporter {
  private readonly pending = new Set<Promise<void>>();
  private readonly inner: SpanExporter;
  private readonly sliceSpans: number;

  constructor(inner: SpanExporter, sliceSpans = SLICE_SPANS) {
    this.inner = inner;
    this.sliceSpans = sliceSpans;
    if (!Number.isInteger(sliceSpans) || sliceSpans < 1)
      throw new RangeError(`sliceSpans must be a positive integer, got ${sliceSpans}`);
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    const done = this.exportSlices(spans).then(resultCallback);
    this.pending.add(done);
    const forget = () => void this.pending.delete(done);
    done.then(forget, forget);
  }

  private async exportSlices(spans: ReadableSpan[]): Promise<ExportResult> {
    const results: Promise<ExportResult>[] = [];
    for (let start = 0; start < spans.length; start += this.sliceSpans) {
      // Yield first: the caller (span.end() of a request) returns before any serialisation.
      await nextTurn();
      const slice = spans.slice(start, start + this.sliceSpans);
      results.push(new Promise<ExportResult>((resolve) => this.inner.export(slice, resolve)).catch(failure));
    }
    const failed = (await Promise.all(results)).find((r) => r.code !== ExportResultCode.SUCCESS);
    return failed ?? { code: ExportResultCode.SUCCESS };
  }

  /** Waits for the batches already handed over, then flushes the real exporter. */
  async forceFlush(): Promise<void> {
    await Promise.all(this.pending);
    await this.inner.forceFlush?.();
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.pending);
    await this.inner.shutdown();
  }
}
