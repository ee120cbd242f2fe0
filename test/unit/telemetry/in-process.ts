// The SDK started in the test process exactly as register.ts starts it, with spans kept in memory
// and metrics read through the real Prometheus endpoint. Each tap test file is its own process.
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { pino } from 'pino';
import { findFreePort } from '../../../src/net/free-port.ts';
import { createMetricsServer } from '../../../src/telemetry/metrics-server.ts';
import { startTelemetry } from '../../../src/telemetry/sdk.ts';

type Teardown = { teardown(fn: () => unknown): void };

export async function startInProcessTelemetry(t: Teardown, env: NodeJS.ProcessEnv = {}) {
  const exporter = new InMemorySpanExporter();
  const processor = new SimpleSpanProcessor({ exporter });
  startTelemetry(env, { spanProcessors: [processor] });
  const port = await findFreePort();
  const server = createMetricsServer({ host: '127.0.0.1', port, logger: pino({ level: 'silent' }) });
  const stop = new AbortController();
  const running = server.start(stop.signal);
  while (server.port() === undefined) await new Promise((r) => setTimeout(r, 5));
  t.teardown(() => {
    stop.abort();
    return running;
  });
  return {
    /** Ended spans, once their export (asynchronous even in memory) is done. */
    async spans(): Promise<ReadableSpan[]> {
      await processor.forceFlush();
      return exporter.getFinishedSpans();
    },
    /** Prometheus samples by their full line key, e.g. `shipshape_leader{otel_scope_name="shipshape"}`. */
    async scrape(): Promise<Map<string, number>> {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const samples = new Map<string, number>();
      for (const line of text.split('\n')) {
        const match = /^(\S+(?:\{.*\})?) (\S+)$/.exec(line);
        if (match && !line.startsWith('#')) samples.set(match[1]!, Number(match[2]));
      }
      return samples;
    },
  };
}

/** The sum of the samples of `metric` whose labels include every `label="value"` given. */
export function sample(samples: Map<string, number>, metric: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const [key, value] of samples) {
    if (!key.startsWith(`${metric}{`) && key !== metric) continue;
    if (Object.entries(labels).every(([k, v]) => key.includes(`${k}="${v}"`))) total += value;
  }
  return total;
}
