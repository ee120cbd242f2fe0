import type { Clock } from '../../src/operator/work-queue.ts';

/** A clock that moves only when told to, firing due timers in time order. */
export function createFakeClock(): Clock & { advance(ms: number): void; pendingTimers(): number } {
  let time = 0;
  let nextId = 0;
  const timers = new Map<number, { at: number; callback: () => void }>();
  return {
    now: () => time,
    setTimeout(callback, ms) {
      timers.set(++nextId, { at: time + ms, callback });
      return nextId;
    },
    clearTimeout: (id) => void timers.delete(id as number),
    advance(ms) {
      const end = time + ms;
      for (;;) {
        const due = [...timers].filter(([, timer]) => timer.at <= end).sort(([, a], [, b]) => a.at - b.at)[0];
        if (!due) break;
        timers.delete(due[0]);
        time = due[1].at;
        due[1].callback();
      }
      time = end;
    },
    pendingTimers: () => timers.size,
  };
}
