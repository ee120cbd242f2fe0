// Runs a measurement with every other process stopped (SIGSTOP), so the measured one has its core
// to itself, and resumes them (SIGCONT) however the measurement ends. The measured process was
// itself stopped until the previous phase ended: timers, watch events and telemetry exports then
// catch up in its first moments, a stall no running replica has, so it gets `settleMs` alone
// before `task` starts.
import { sleep } from '../src/runtime/sleep.ts';

export async function alone<T>(others: readonly number[], settleMs: number, task: () => Promise<T>): Promise<T> {
  for (const pid of others) process.kill(pid, 'SIGSTOP');
  try {
    await sleep(settleMs);
    return await task();
  } finally {
    for (const pid of others) process.kill(pid, 'SIGCONT');
  }
}
