// `npm run bench`: every benchmark, one after the other (each needs the machine to itself), with
// their output shown as it comes and their RESULT lines collected into
// .shipshape/bench/<time>.jsonl, the figures BENCHMARKS.md is written from. Arguments after `--`
// name a subset: npm run bench -- webhook footprint
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BENCHMARKS: Record<string, string[]> = {
  webhook: [],
  'apiserver-latency': [],
  footprint: [],
  handover: ['--runs', '5'],
  convergence: ['--count', '1000'],
  'webhook-telemetry': [],
  'telemetry-tail': [],
  conversion: [],
};
const root = fileURLToPath(new URL('..', import.meta.url));
const chosen = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(BENCHMARKS);
const unknown = chosen.filter((name) => !(name in BENCHMARKS));
if (unknown.length)
  throw new Error(`unknown benchmark(s) ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
mkdirSync(`${root}.shipshape/bench`, { recursive: true });
const out = `${root}.shipshape/bench/${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`;
let failed = 0;
for (const name of chosen) {
  console.log(`\n=== ${name} ===`);
  const started = performance.now();
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, [`${root}bench/${name}.ts`, ...BENCHMARKS[name]!], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) if (line.startsWith('RESULT ')) appendFileSync(out, `${line.slice(7)}\n`);
    });
    child.on('exit', (c) => resolve(c ?? 1));
  });
  console.log(
    `=== ${name}: ${code === 0 ? 'done' : `FAILED (${code})`} in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  if (code !== 0) failed++;
}
console.log(`\nRESULT lines in ${out}`);
process.exitCode = failed ? 1 : 0;
