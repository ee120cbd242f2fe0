// Latency at a fixed request rate without coordinated omission: a client in a worker thread (so
// the benchmark's own work never delays a send) schedules request i at start + i / rate and
// records each latency from that intended send time, not from when it was actually sent. A stall
// of the server therefore shows in every request that should have gone out during it, as wrk2's
// correction does. Requests go over up to `connections` keep-alive TLS connections; when all are
// busy the next request waits for one, and that wait counts too.
import { Agent, request } from 'node:https';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

export type FixedRateOptions = {
  url: string;
  body: string;
  ca: string;
  rate: number;
  seconds: number;
  connections?: number;
};

export type FixedRateResult = {
  rate: number;
  achievedRps: number;
  requests: number;
  errors: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
};

export function fixedRate(options: FixedRateOptions): Promise<FixedRateResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: options });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => code !== 0 && reject(new Error(`the fixed-rate client exited with ${code}`)));
  });
}

async function client(options: FixedRateOptions): Promise<FixedRateResult> {
  const url = new URL(options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections ?? 64, ca: options.ca });
  const body = Buffer.from(options.body);
  const total = Math.round(options.rate * options.seconds);
  const latencies = new Float64Array(total);
  let done = 0;
  let errors = 0;
  let finished!: () => void;
  const allDone = new Promise<void>((r) => (finished = r));
  const send = (i: number, intended: number) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': body.length },
      },
      (res) => {
        if (res.statusCode !== 200) errors++;
        res.resume();
        res.on('end', () => {
          latencies[i] = performance.now() - intended;
          if (++done === total) finished();
        });
      },
    );
    req.on('error', () => {
      errors++;
      latencies[i] = performance.now() - intended;
      if (++done === total) finished();
    });
    req.end(body);
  };
  const interval = 1000 / options.rate;
  const start = performance.now() + 10;
  let next = 0;
  const tick = () => {
    const now = performance.now();
    // Everything whose time has come, including any the timer was late for.
    while (next < total && start + next * interval <= now) {
      send(next, start + next * interval);
      next++;
    }
    if (next < total) setTimeout(tick, Math.max(0, start + next * interval - performance.now()));
  };
  setTimeout(tick, 10);
  await allDone;
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  const sorted = latencies.sort();
  const at = (q: number) => sorted[Math.min(total - 1, Math.floor(q * total))]!;
  return {
    rate: options.rate,
    achievedRps: total / elapsed,
    requests: total,
    errors,
    p50: at(0.5),
    p99: at(0.99),
    p999: at(0.999),
    max: sorted[total - 1]!,
  };
}

if (!isMainThread && parentPort) {
  parentPort.postMessage(await client(workerData as FixedRateOptions));
}
