// Closed-loop throughput with wrk (HTTP/1.1 keep-alive over TLS, one thread, `connections`
// connections each waiting for its answer): requests per second and wrk's latency percentiles.
// A closed loop is right for throughput; for latency at a fixed rate see fixed-rate.ts (a closed
// loop omits the requests it would have sent during a stall).
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type WrkResult = { rps: number; p50: number; p99: number; requests: number; errors: number };

const dir = mkdtempSync(join(tmpdir(), 'shipshape-wrk-'));
let scripts = 0;

/** A wrk Lua script that POSTs `body` as JSON. */
function script(body: string): string {
  const bodyPath = join(dir, `body-${scripts}.json`);
  const path = join(dir, `post-${scripts++}.lua`);
  writeFileSync(bodyPath, body);
  writeFileSync(
    path,
    [
      `local f = assert(io.open(${JSON.stringify(bodyPath)}, "rb"))`,
      'wrk.method = "POST"',
      'wrk.body = f:read("*a")',
      'f:close()',
      'wrk.headers["Content-Type"] = "application/json"',
    ].join('\n'),
  );
  return path;
}

/** wrk's "1.23ms" / "850.00us" / "1.02s" in milliseconds. */
function toMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!m) return Number.NaN;
  return Number(m[1]) * { us: 1e-3, ms: 1, s: 1e3, m: 6e4 }[m[2] as 'us' | 'ms' | 's' | 'm'];
}

export async function wrk(options: {
  url: string;
  body: string;
  connections: number;
  seconds: number;
  /** Run wrk on these CPUs (a taskset list). */
  cpus?: string;
}): Promise<WrkResult> {
  const args = [
    '-t1',
    `-c${options.connections}`,
    `-d${options.seconds}s`,
    '--latency',
    '-s',
    script(options.body),
    options.url,
  ];
  const [command, ...rest] = options.cpus ? ['taskset', '--cpu-list', options.cpus, 'wrk', ...args] : ['wrk', ...args];
  const { stdout } = await run(command!, rest, { maxBuffer: 1 << 20 });
  const number = (re: RegExp) => Number(re.exec(stdout)?.[1] ?? Number.NaN);
  const percentile = (p: string) => toMs(new RegExp(`^\\s*${p}%\\s+(\\S+)`, 'm').exec(stdout)?.[1] ?? '');
  const non2xx = number(/Non-2xx or 3xx responses:\s*(\d+)/) || 0;
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const errors = non2xx + (socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  const requests = number(/(\d+) requests in/);
  const result = {
    rps: number(/Requests\/sec:\s*([\d.]+)/),
    p50: percentile('50'),
    p99: percentile('99'),
    requests,
    errors,
  };
  if (!Number.isFinite(result.rps)) throw new Error(`could not read wrk's output:\n${stdout}`);
  return result;
}
