// isProcessRunning against real processes: one that runs, one that has been reaped, and a zombie
// (exited, never reaped: its parent, an exec'd `sleep`, does not wait for children).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { isProcessRunning } from '../../../src/runtime/process-running.ts';

t.test('a process that runs, then has exited and been reaped', async (t) => {
  const child = spawn('sleep', ['30']);
  t.teardown(() => child.kill('SIGKILL'));
  t.equal(isProcessRunning(child.pid!), true, 'running');
  child.kill('SIGTERM');
  await once(child, 'exit');
  t.equal(isProcessRunning(child.pid!), false, 'reaped');
});

t.test(
  'a zombie counts as ended, though kill(pid, 0) still succeeds for it',
  { skip: process.platform !== 'linux' && 'needs /proc' },
  async (t) => {
    // sh starts a short sleep in the background, prints its pid and becomes a long `sleep` (exec),
    // which never reaps it: the short one, once it ends, is a zombie until the parent goes.
    const parent = spawn('sh', ['-c', 'sleep 0.2 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    t.teardown(() => parent.kill('SIGKILL'));
    const [line] = (await once(createInterface({ input: parent.stdout! }), 'line')) as [string];
    const zombie = Number(line);
    for (let i = 0; i < 150 && isProcessRunning(zombie); i++) await sleep(20);
    t.equal(isProcessRunning(zombie), false, 'not running');
    t.doesNotThrow(() => process.kill(zombie, 0), 'kill(pid, 0) still succeeds: the process table holds it');
    t.equal(isProcessRunning(parent.pid!), true, 'its parent runs');
  },
);

t.test('the current process runs', async (t) => {
  t.equal(isProcessRunning(process.pid), true);
});
