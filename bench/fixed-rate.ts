// Latency at a fixed request rate without coordinated omission, measured by the Go client in
// bench/fixed-rate-client/ (built by go-build.ts): request i is due at start + i / rate and its
// latency runs from that intended time, so a stall of the server shows in every request due
// during it, as wrk2's correction does. Requests go over up to `connections` keep-alive TLS
// connections; when all are busy the next waits for one, and that wait counts too.
//
// Why Go and not a Node client: Node's timers fire at whole milliseconds and its collector pauses
// the client itself, so a Node client adds its own tail. Against the bare node:https server at
// 1,000 req/s (same run, same cores) a Node worker-thread client measured p99 2.7-3.7 ms and
// p99.9 20-28 ms, this client p99 1.2-1.3 ms and p99.9 2.3-4.1 ms.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { buildGoProgram } from './go-build.ts';

const run = promisify(execFile);

export type FixedRateOptions = {
  url: string;
  body: string;
  ca: string;
  rate: number;
  seconds: number;
  connections?: number;
};

const FixedRateResult = z.object({
  rate: z.number(),
  achievedRps: z.number(),
  requests: z.number(),
  errors: z.number(),
  p50: z.number(),
  p99: z.number(),
  p999: z.number(),
  max: z.number(),
});
export type FixedRateResult = z.infer<typeof FixedRateResult>;

/** Runs the client on this process's CPUs and returns its figures (latencies in ms). */
export async function fixedRate(options: FixedRateOptions): Promise<FixedRateResult> {
  const binary = buildGoProgram('fixed-rate-client');
  const dir = await mkdtemp(join(tmpdir(), 'shipshape-fixed-rate-'));
  try {
    const bodyFile = join(dir, 'body.json');
    const caFile = join(dir, 'ca.crt');
    await writeFile(bodyFile, options.body);
    await writeFile(caFile, options.ca);
    const { stdout } = await run(binary, [
      '-url',
      options.url,
      '-body',
      bodyFile,
      '-ca',
      caFile,
      '-rate',
      String(options.rate),
      '-seconds',
      String(options.seconds),
      '-connections',
      String(options.connections ?? 64),
    ]);
    return FixedRateResult.parse(JSON.parse(stdout));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
