// A whole ConversionReview through the HTTPS route (bench/conversion.ts, part one): Shipshape's
// server as src/main.ts builds it (bench/admission-server.ts, no cluster, conversion telemetry off)
// against bare `node:https` answering a fixed review (bench/bare-webhook.ts) with the same body, in
// the same run. One keep-alive connection, one review at a time, as the apiserver sends one object
// per review while it decodes a list; the rounds interleave the servers. Figures: per review, the
// median over rounds of the mean round trip, and the server's CPU time over all rounds (the kernel
// counts it in 10 ms ticks, too coarse for one round).
import { Agent, request } from 'node:https';
import { cpuSeconds } from './cpu.ts';
import { median } from './median.ts';
import type { BenchServer } from './servers.ts';

export type RouteCase = { name: string; server: BenchServer; path: string; body: Buffer };
export type RouteFigure = { name: string; roundTripUs: number; cpuUs: number };

function post(agent: Agent, server: BenchServer, path: string, body: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        path,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': body.length },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`HTTP ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** `requests` reviews per case and round, `rounds` rounds; throws on any answer that is not a success. */
export async function measureRoute(
  cases: RouteCase[],
  ca: string,
  rounds: number,
  requests: number,
): Promise<RouteFigure[]> {
  const agents = new Map(cases.map((c) => [c.name, new Agent({ keepAlive: true, maxSockets: 1, ca })]));
  const times = new Map(cases.map((c) => [c.name, { rt: [] as number[], cpu: [] as number[] }]));
  try {
    for (const c of cases) for (let i = 0; i < 200; i++) await post(agents.get(c.name)!, c.server, c.path, c.body);
    for (let round = 0; round < rounds; round++) {
      const order = [...cases.slice(round % cases.length), ...cases.slice(0, round % cases.length)];
      for (const c of order) {
        const agent = agents.get(c.name)!;
        const cpuBefore = cpuSeconds(c.server.pid);
        const started = performance.now();
        for (let i = 0; i < requests; i++) {
          const answer = await post(agent, c.server, c.path, c.body);
          if (!answer.includes('"allowed":true') && !answer.includes('"status":"Success"'))
            throw new Error(`${c.name} answered ${answer.slice(0, 300)}`);
        }
        const ms = performance.now() - started;
        const figures = times.get(c.name)!;
        figures.rt.push((ms * 1000) / requests);
        figures.cpu.push(cpuSeconds(c.server.pid) - cpuBefore);
      }
    }
  } finally {
    for (const agent of agents.values()) agent.destroy();
  }
  return cases.map((c) => {
    const { rt, cpu } = times.get(c.name)!;
    const cpuTotal = cpu.reduce((a, b) => a + b, 0);
    return { name: c.name, roundTripUs: median(rt), cpuUs: (cpuTotal * 1e6) / (requests * rounds) };
  });
}
