// The README's "A 2-minute tour", run as written (issue #31), and the docs' commands that run
// against the same dev loop (docs/development.md's "The dev loop", docs/cli.md's "Reviewing
// manifests"). The ```sh blocks are read from the documents, so what runs is what they say today.
// The tour's first block, the dev loop, runs as a child in a process group of its own until it
// prints the line the README says to wait for; every later block's commands then run in order in
// one bash session (what one exports, the next sees), the tour first. SECTIONS below has an entry
// per block and per command: its exit status, and a check of what the document's comment says it
// prints (literally where the comment shows output, by a check where it describes it in words); a
// block, command or comment a document gains without an expectation fails here. Then Ctrl-C
// (SIGINT to the dev loop's group) must stop everything it started, as the README says.
//
// How the run differs from a reader's terminal, and why:
// - The checkout is a temporary folder of links to this one (test/helpers/linked-checkout.ts), so
//   the dev loop's .shipshape/dev and certs/dev are not a developer's running dev loop's. The
//   first `npx shipshape` there installs the checkout into npm's npx cache and runs its `prepare`
//   (`npm run build`), as in any checkout: the CLI runs a `dist` compiled from this run's sources
//   (a source that does not compile fails that block). npm's cache is the checkout's own
//   (npm_config_cache), so ~/.npm/_npx gets no entry for a folder that is gone afterwards.
// - The environment is the test's without npm's and tap's variables, which no terminal has.
// - Each command's stdin is /dev/null: a command that waits for input fails instead of hanging.
// - A `kill` runs only when its arguments are pids the dev loop printed for its replicas: the
//   tour finds the pid by POD_NAME in /proc/*/environ, which every dev loop on the machine sets
//   alike (a developer's, another test's); the test fails rather than signal another's process.
// - Files the commands name under /tmp (none today) are put back as they
//   were before the run, or removed.
// Every command of those sections runs. Linux only (the failover reads /proc). Not run, and why:
// - development.md's "The dev loop with a real node": root and a node build, and one real node per
//   machine; test/integration/dev-real-node.test.ts (`npm run test:node`) runs that dev loop.
// - `npm ci && npm run dev`, `npm ci && npm test` (README, development.md): `npm ci` replaces
//   node_modules, `npm test` is this suite; `SHIPSHAPE_KUBERNETES_VERSION=1.35.4 npm test` builds
//   another release (minutes, the Go module proxy); `npm run bench*`: minutes, figures not verdicts.
// - installing.md, operating.md (its Lease command runs here, in the tour: its comment shows a
//   Pod's name), cli.md's port-forward, the README's `docker build` and `kubectl apply -k deploy/`:
//   a cluster with Shipshape installed from deploy/ (Pods, a Service, cert-manager, the image).
// - configuration.md's `npm start -- ...`: a server that runs until stopped, outside the dev loop;
//   telemetry.md's `OTEL_EXPORTER_OTLP_ENDPOINT=... npm run dev`: a second dev loop and a collector.
// - api.md's and operating.md's `kubectl annotate namespace team-a ...`: a namespace the pages
//   assume; cli.md's CI workflows and `kustomize build ... | npx shipshape ...`: an application's
//   manifests and settings files (`review` itself runs here, against examples/).
//
// SHIPSHAPE_DOCS_FROM=<folder> reads README.md and docs/ from that folder instead: a change to
// the documents, tried before it is made.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { controlPlaneVersions } from '../../src/control-plane/assets.ts';
import { type BashSession, startBashSession } from '../helpers/bash-session.ts';
import { firstRow, includes } from '../helpers/doc-output.ts';
import { type Expect, type Run, type Section, mismatches, runBlock, seconds } from '../helpers/doc-sections.ts';
import { linkCheckout } from '../helpers/linked-checkout.ts';
import { sectionBlocks } from '../helpers/markdown-commands.ts';
import { addControlPlaneDirs, describe, endRun, isRunning, runProcesses } from '../helpers/process-table.ts';

const DOCS = process.env.SHIPSHAPE_DOCS_FROM ?? fileURLToPath(new URL('../..', import.meta.url));
/** The dev loop's start, on a loaded 2-core machine. */
const READY_TIMEOUT_MS = 180_000;
/** From Ctrl-C until nothing the dev loop started runs (replicas get 5 s, then the control plane). */
const STOP_BOUND_MS = 30_000;

const HOLDER = /^shipshape-dev-\d+_[0-9a-f]+$/;
const { kubernetes } = controlPlaneVersions(process.env);

/** In the order they run; the tour's first block starts the dev loop the others run against. */
const SECTIONS: Section[] = [
  {
    file: 'README.md',
    heading: 'A 2-minute tour',
    blocks: [
      'the dev loop',
      // Point kubectl at it.
      [{ status: 0 }, { status: 0, comment: 'words' }],
      // Apply.
      [
        { status: 0, comment: 'line' },
        { status: 0 },
        {
          status: 0,
          comment: 'words',
          check: (output) => {
            const { PHASE, READY, AVAILABLE } = firstRow(output);
            const columns = JSON.stringify({ PHASE, READY, AVAILABLE });
            return columns === '{"PHASE":"Running","READY":"1","AVAILABLE":"1"}' ? undefined : `columns ${columns}`;
          },
        },
        { status: 0, check: includes('deployment.apps/hello', 'service/hello', 'configmap/hello-env') },
      ],
      // Defaults.
      [{ status: 0, comment: 'line' }],
      // Deny.
      [{ status: 1, comment: 'line' }],
      // Dry run, in warn enforcement.
      [
        { status: 0 },
        { status: 0, comment: 'line', check: includes('webapp.shipshape.dev/too-big created (server dry run)') },
        { status: 0 },
      ],
      // The CLI: one of the examples is denied; the stricter limit denies hello, on 8080.
      [
        { status: 1, check: includes(/^DENIED +WebApp default\/too-big /m, /^ALLOWED +WebApp default\/hello /m) },
        {
          status: 1,
          check: includes(/^ *DENIED +WebApp default\/hello$/m, 'spec.port: 8080 is below the minimum of 9000'),
        },
      ],
      // Failover.
      [
        { status: 0 },
        {
          status: 0,
          comment: 'words',
          check: (output, { run }) => {
            run.memo.set('holder', output.trim());
            return HOLDER.test(output.trim()) ? undefined : 'not a holder identity';
          },
        },
        { status: 0 },
        {
          status: 0,
          comment: 'words',
          check: (_, { run }) => {
            const replica = run.memo.get('holder')?.replace(/_[^_]*$/, '') ?? '';
            const printed = run.replicas.get(replica);
            return run.killed.length === 1 && run.killed[0] === printed
              ? undefined
              : `killed ${run.killed.join(' ')}; npm run dev printed pid ${printed} for ${replica}`;
          },
        },
        { status: 0 },
        {
          // Another replica leads.
          status: 0,
          check: (output, { run }) =>
            HOLDER.test(output.trim()) && output.trim() !== run.memo.get('holder')
              ? undefined
              : `the holder was ${run.memo.get('holder')}`,
        },
        { status: 0 },
        { status: 0 },
        { status: 0, comment: 'line' },
        { status: 0, check: includes(/^hello +/m) },
      ],
      // Clean up.
      [{ status: 0 }, { status: 0, comment: 'part' }],
    ],
  },
  {
    file: 'docs/development.md',
    heading: 'The dev loop',
    blocks: [
      [
        { status: 0 },
        { status: 0, comment: 'words' },
        {
          // The version in use; the comment names the default one.
          status: 0,
          comment: 'words',
          check: (output, { command }) =>
            includes(`Server Version: v${kubernetes}`)(output) ??
            (process.env.SHIPSHAPE_KUBERNETES_VERSION || command.comment.includes(`v${kubernetes}`)
              ? undefined
              : `the comment names another version than v${kubernetes}`),
        },
        { status: 0, comment: 'words', check: includes('webapp.shipshape.dev/hello created') },
        // Its Pod may not run yet, nor exist: "once its Pod runs".
        { status: 0, comment: 'words' },
        { status: 0, comment: 'words' },
        { status: 0, check: includes(/^ {2}replicas: 1$/m, /^ {2}port: 8080$/m) },
        {
          status: 1,
          comment: 'words',
          check: includes('spec.replicas: 50 exceeds the maximum of 10; spec.port: 80 is below the minimum of 1024'),
        },
        { status: 0 },
      ],
      [{ status: 0, check: (output) => (HOLDER.test(output.trim()) ? undefined : 'not a holder identity') }],
    ],
  },
  {
    file: 'docs/cli.md',
    heading: 'Reviewing manifests',
    blocks: [
      [
        {
          // Exactly the output the page shows after the command.
          status: 1,
          check: (output, { block }) => (output.trimEnd() === block.shown?.trimEnd() ? undefined : 'not as shown'),
        },
      ],
    ],
  },
];

/** A user's terminal: no npm or tap variables, no kubeconfig of the test's. */
function terminalEnv(checkout: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(npm_|tap_|_tapjs_)|^(NODE_OPTIONS|KUBECONFIG)$/i.test(k)),
  );
  return { ...env, PWD: checkout, npm_config_cache: join(checkout, '.shipshape', 'npm-cache') };
}

function waitForLine(dev: ChildProcess, output: () => string, line: string): Promise<boolean> {
  return new Promise((resolve) => {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    const timer = setInterval(() => {
      const ended = dev.exitCode !== null || dev.signalCode !== null || Date.now() > deadline;
      if (ended || output().includes(line)) {
        clearInterval(timer);
        resolve(!ended);
      }
    }, 100);
  });
}

t.test('the README tour and the dev loop docs, as written, against npm run dev', async (t) => {
  // A command ends where bash would run it: a `for` loop or a pipe at a line's end goes on.
  const isComplete = (text: string) => spawnSync('bash', ['-n'], { input: text }).status === 0;
  const markdown = new Map(SECTIONS.map((s) => [s.file, readFileSync(join(DOCS, s.file), 'utf8')]));
  const parsed = SECTIONS.map((s) => ({ ...s, found: sectionBlocks(markdown.get(s.file)!, s.heading, isComplete) }));
  const problems = parsed.flatMap((s) => mismatches(s, s.found));
  // The line to wait for, as the text before the tour's first block names it.
  const tour = parsed[0]!;
  const intro = markdown.get(tour.file)!.split('\n').slice(0, tour.found[0]?.line).join('\n');
  const readyLine = /wait for its\s+line\s+`([^`]+)`/.exec(intro.slice(intro.lastIndexOf(`# ${tour.heading}`)))?.[1];
  if (!readyLine) problems.push(`${tour.file}: no line to wait for before the first block`);
  if (!t.same(problems, [], 'an expectation for each block, command and comment') || !readyLine) return;

  const checkout = linkCheckout('shipshape-readme-tour-');
  const env = terminalEnv(checkout);
  const cpDirs = new Set<string>();
  // Files under /tmp that a command names: as they were before, afterwards.
  const tmpFiles = new Map<string, Buffer | undefined>();
  for (const section of parsed)
    for (const block of section.found)
      for (const command of block.commands)
        for (const [path] of command.text.matchAll(/\/tmp\/[\w.-]+/g))
          tmpFiles.set(path, existsSync(path) ? readFileSync(path) : undefined);
  let session: BashSession | undefined;
  const devCommand = tour.found[0]!.commands[0]!.text;
  const dev = spawn('bash', ['-c', devCommand], {
    cwd: checkout,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Should the test process end first (tap's timeout), the dev loop goes too; its children follow
  // it (src/runtime/child-watchdog.ts).
  const killDev = () => endRun({ root: dev.pid, dir: checkout, dirs: cpDirs });
  process.once('exit', killDev);
  t.teardown(async () => {
    await session?.close(1_000);
    process.removeListener('exit', killDev);
    killDev();
    for (const [path, before] of tmpFiles)
      if (before) writeFileSync(path, before);
      else rmSync(path, { force: true });
  });
  let devOutput = '';
  dev.stdout!.on('data', (chunk: Buffer) => (devOutput += chunk));
  dev.stderr!.on('data', (chunk: Buffer) => (devOutput += chunk));
  const devExited = new Promise<void>((resolve) => dev.once('close', () => resolve()));

  const started = Date.now();
  const ready = await waitForLine(dev, () => devOutput, readyLine);
  t.comment(`\`${devCommand}\`: ${ready ? 'ready' : 'not ready'} after ${seconds(Date.now() - started)}`);
  addControlPlaneDirs(runProcesses(dev.pid, checkout, cpDirs), cpDirs);
  const run: Run = {
    replicas: new Map([...devOutput.matchAll(/(shipshape-dev-\d+) \(pid (\d+),/g)].map((m) => [m[1]!, Number(m[2])])),
    killed: [],
    memo: new Map(),
  };
  if (t.ok(ready, `the dev loop prints "${readyLine}"`, { output: devOutput })) {
    session = startBashSession(checkout, env);
    const runs = parsed.flatMap((s) =>
      s.found.flatMap((block, i) => (s.blocks[i] === 'the dev loop' ? [] : [{ s, block, i }])),
    );
    for (const { s, block, i } of runs)
      if (!(await runBlock(t, session, s.file, block, s.blocks[i] as Expect[], run))) break;
    await session.close();
    session = undefined;
  }

  // Ctrl-C: SIGINT to the dev loop's process group, as a terminal sends it.
  const seen = runProcesses(dev.pid, checkout, cpDirs);
  addControlPlaneDirs(seen, cpDirs);
  const stopped = Date.now();
  try {
    process.kill(-dev.pid!, 'SIGINT');
  } catch {}
  let bound: NodeJS.Timeout | undefined;
  await Promise.race([devExited, new Promise((resolve) => (bound = setTimeout(resolve, STOP_BOUND_MS)))]);
  clearTimeout(bound);
  let left = seen.filter(isRunning);
  while (left.length && Date.now() - stopped < STOP_BOUND_MS) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    left = [...seen, ...runProcesses(undefined, checkout, cpDirs)].filter(isRunning);
  }
  t.comment(`Ctrl-C: ${seen.length} processes, ${left.length} left after ${seconds(Date.now() - stopped)}`);
  t.same(describe(left), '', `Ctrl-C stops everything within ${STOP_BOUND_MS / 1000} s`);
  t.same([...cpDirs].filter(existsSync), [], "the control plane's folder is gone");
});
