// `npm run dev -- --replicas 2` as a user runs it, in a process group of its own, then a SIGKILL
// of that whole group (`kill -9 -<pgid>`, a supervisor's or a CI job's hard stop): within 10 s
// nothing it started may still run, and its control plane's folder is gone (issue #30, defect 6).
// The kill comes once it is ready, and at two moments of its start. The dev loop runs from a
// checkout of its own, a temporary folder of links to this one, so its .shipshape/dev and
// certs/dev are not a developer's running dev loop's.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import t from 'tap';
import { linkCheckout } from '../helpers/linked-checkout.ts';
import {
  type Identity,
  addControlPlaneDirs,
  describe,
  endRun,
  isRunning,
  label,
  runProcesses,
} from '../helpers/process-table.ts';

const BOUND_MS = 10_000;
const READY_TIMEOUT_MS = 120_000;
/** What the dev loop starts, by label(): the control plane and the replicas (main.ts). */
const CONTROL_PLANE = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'];
const CHILDREN = [...CONTROL_PLANE, 'main.ts'];

type Scenario = {
  name: string;
  replicas: number;
  /** Added to the dev loop's environment, which it passes on to the replicas. */
  env?: NodeJS.ProcessEnv;
  /** Resolves when the kill is due: true, or false if the dev loop ended or timed out first. */
  due(npm: ChildProcess, output: () => string): Promise<boolean>;
  /** What runs at the kill, by label(). */
  ran: string[];
};

function poll(check: () => boolean, npm: ChildProcess): Promise<boolean> {
  return new Promise((resolve) => {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    const timer = setInterval(() => {
      const ended = npm.exitCode !== null || npm.signalCode !== null || Date.now() > deadline;
      if (ended || check()) {
        clearInterval(timer);
        resolve(!ended);
      }
    }, 20);
  });
}

const ready: Scenario['due'] = (npm, output) => poll(() => output().includes('Shipshape is ready'), npm);

/** Due once a process of the dev loop has this label. */
const started =
  (name: string): Scenario['due'] =>
  (npm) =>
    poll(() => runProcesses(npm.pid, '', new Set()).some((p) => label(p) === name), npm);

const SCENARIOS: Scenario[] = [
  { name: 'once it is ready', replicas: 2, due: ready, ran: [...CONTROL_PLANE, 'main.ts', 'main.ts'] },
  // The control plane starts: etcd runs, kube-apiserver is on its way to /readyz.
  { name: 'while kube-apiserver starts', replicas: 2, due: started('kube-apiserver'), ran: ['etcd', 'kube-apiserver'] },
  // The first replica's process has started and is not ready yet: the dev loop waits for its
  // /readyz, as it does for a second or two in every start.
  { name: 'while its first replica starts', replicas: 2, due: started('main.ts'), ran: [...CONTROL_PLANE, 'main.ts'] },
  {
    // Replicas that take their time over SIGTERM, as any process may (here: keep serving 30 s, a
    // setting the dev loop passes on): the bound may not depend on how fast children stop.
    name: 'once it is ready, with replicas slow to stop',
    replicas: 4,
    env: { SHIPSHAPE_SHUTDOWN_DELAY_SECONDS: '30' },
    due: ready,
    ran: [...CONTROL_PLANE, ...Array<string>(4).fill('main.ts')],
  },
];

for (const scenario of SCENARIOS)
  t.test(
    `SIGKILL of \`npm run dev -- --replicas ${scenario.replicas}\`'s process group ${scenario.name}`,
    async (t) => {
      const checkout = linkCheckout('shipshape-dev-hard-kill-');
      const cpDirs = new Set<string>();
      const npm = spawn('npm', ['run', 'dev', '--', '--replicas', String(scenario.replicas)], {
        cwd: checkout,
        env: { ...process.env, ...scenario.env },
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let seen: Identity[] = [];
      // Whatever outlives the test (an assertion failed, the dev loop never got ready) is ended.
      t.teardown(() => endRun({ root: npm.pid, dir: checkout, dirs: cpDirs, seen }));
      let output = '';
      npm.stdout!.on('data', (chunk: Buffer) => (output += chunk));
      npm.stderr!.on('data', (chunk: Buffer) => (output += chunk));
      if (!t.ok(await scenario.due(npm, () => output), 'the moment of the kill comes', { output })) return;

      addControlPlaneDirs(runProcesses(npm.pid, checkout, cpDirs), cpDirs);
      seen = runProcesses(npm.pid, checkout, cpDirs);
      process.kill(-npm.pid!, 'SIGKILL');
      const killed = Date.now();

      t.comment(`${seen.length} processes before the kill:\n${describe(seen)}`);
      const ran = seen.map(label).filter((name) => CHILDREN.includes(name));
      t.same(ran.sort(), [...scenario.ran].sort(), 'what ran at the kill');
      t.equal(cpDirs.size, 1, "the control plane's folder is known");

      const goneAfter = new Map<Identity, number>();
      let left: Identity[] = seen;
      while (Date.now() - killed < BOUND_MS) {
        for (const p of seen) if (!goneAfter.has(p) && !isRunning(p)) goneAfter.set(p, Date.now() - killed);
        const now = [...seen.filter(isRunning), ...runProcesses(undefined, checkout, cpDirs)];
        left = [...new Map(now.map((p) => [`${p.pid}:${p.start}`, p])).values()];
        if (left.length === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const ms = Date.now() - killed;
      t.comment(`gone after (ms): ${seen.map((p) => `${label(p)} ${goneAfter.get(p) ?? '-'}`).join(', ')}`);
      t.comment(left.length ? `${left.length} still running after ${ms} ms` : `all gone ${ms} ms after the kill`);
      t.same(describe(left), '', `nothing it started runs ${BOUND_MS / 1000} s after the kill`);
      t.same([...cpDirs].filter(existsSync), [], "the control plane's folder is gone");
    },
  );
