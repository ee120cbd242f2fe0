// The test helper that runs commands: a command past its deadline is ended, not left running.
import { existsSync } from 'node:fs';
import t from 'tap';
import { runCommand } from '../../helpers/run-command.ts';

t.test('a command within its deadline gives its exit code and output', async (t) => {
  const result = await runCommand('sh', ['-c', 'echo out; echo err >&2; exit 3'], { timeoutMs: 10_000 });
  t.same(result, { code: 3, stdout: 'out\n', stderr: 'err\n' });
});

t.test('a command past its deadline is killed and the result says so', async (t) => {
  const started = performance.now();
  const result = await runCommand('sh', ['-c', 'echo $$; exec sleep 30'], { timeoutMs: 200 });
  t.equal(result.timedOut, true);
  t.equal(result.code, null, 'ended by a signal');
  t.ok(performance.now() - started < 5_000, 'well before the command would have ended');
  t.notOk(existsSync(`/proc/${result.stdout.trim()}`), 'no process left');
});

t.test('a command that ignores SIGTERM is killed 5 s later', async (t) => {
  const result = await runCommand('sh', ['-c', "trap '' TERM; echo $$; while :; do sleep 0.1; done"], {
    timeoutMs: 200,
  });
  t.equal(result.timedOut, true);
  t.notOk(existsSync(`/proc/${result.stdout.trim()}`), 'no process left');
});
