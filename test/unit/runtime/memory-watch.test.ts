// The memory watch (src/runtime/memory-watch.ts) on a fake clock with a fake reader: one warning
// per crossing, for the heap against V8's bound and for the RSS against the container's memory
// limit, with the figures and the sizing page, each gauge's hook set and cleared; no limit found,
// the RSS is never judged and an info line says so once. The judgement itself is
// floor-watch.test.ts's.
import t from 'tap';
import {
  type HeapReading,
  type MemoryWatchOptions,
  type MemoryWatchSettings,
  createMemoryWatch,
  readHeap,
} from '../../../src/runtime/memory-watch.ts';
import { createFakeClock } from '../../helpers/fake-clock.ts';

const MIB = 1024 * 1024;
const SETTINGS: MemoryWatchSettings = { heapRatio: 0.85, memoryRatio: 0.8, window: 3, rearmMargin: 0.05 };
const reading = (usedMiB: number, rssMiB = 400): HeapReading => ({
  usedBytes: usedMiB * MIB,
  limitBytes: 332 * MIB,
  rssBytes: rssMiB * MIB,
});

t.test('this process is read as V8 and the kernel report it', async (t) => {
  const { usedBytes, limitBytes, rssBytes } = readHeap();
  t.ok(usedBytes > 0 && usedBytes < limitBytes, `used ${usedBytes} of ${limitBytes}`);
  t.ok(rssBytes > usedBytes, `RSS ${rssBytes} covers the heap in use`);
});

type Line = { level: 'warn' | 'info'; fields: Record<string, unknown>; message: string };

/** The watch started on a fake clock, reading `readings` in turn (the last one again once past them). */
function watched(readings: HeapReading[] | (() => HeapReading), options: Partial<MemoryWatchOptions> = {}) {
  const clock = createFakeClock();
  const lines: Line[] = [];
  const heapNear: boolean[] = [];
  const memoryNear: boolean[] = [];
  let samples = 0;
  const watch = createMemoryWatch({
    settings: SETTINGS,
    intervalMs: 10_000,
    read: typeof readings === 'function' ? readings : () => readings[Math.min(samples++, readings.length - 1)]!,
    memoryLimitBytes: 1024 * MIB,
    timers: clock,
    logger: {
      warn: (fields, message) => lines.push({ level: 'warn', fields: fields as Line['fields'], message }),
      info: (fields, message) => lines.push({ level: 'info', fields: fields as Line['fields'], message }),
    },
    onHeapNearLimit: (isNear) => heapNear.push(isNear),
    onMemoryNearLimit: (isNear) => memoryNear.push(isNear),
    sizingPage: 'docs/sizing.md',
    ...options,
  });
  const stop = new AbortController();
  const running = watch.start(stop.signal);
  /** Lets the loop take the samples due within `ms`, one timer at a time. */
  const advance = async (ms: number) => {
    for (let left = ms; left > 0; left -= 10_000) {
      clock.advance(Math.min(10_000, left));
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const levels = () => lines.map((l) => l.level);
  return { watch, clock, lines, levels, heapNear, memoryNear, stop, running, advance, samples: () => samples };
}

t.test('the Runnable samples at once and every interval, warns once per heap crossing, sets the gauge', async (t) => {
  const w = watched([100, 200, 300, 300, 300, 300, 300, 300, 200, 200, 200, 300, 300, 300].map((u) => reading(u)));
  t.equal(w.watch.needsLeaderElection, false, 'every replica watches its own heap');
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(w.samples(), 1, 'the first sample is taken at start');
  await w.advance(40_000);
  t.equal(w.samples(), 5);
  t.equal(w.lines.length, 1, 'one warning');
  const [warning] = w.lines;
  t.equal(warning!.level, 'warn');
  t.strictSame(warning!.fields, {
    heapUsedMiB: 300,
    heapLimitMiB: 332,
    rssMiB: 400,
    ratio: 0.904,
    threshold: 0.85,
    sizing: 'docs/sizing.md',
  });
  t.match(warning!.message, /V8 heap in use is 300 MiB, over 0\.85 of its bound \(332 MiB\)/);
  t.match(warning!.message, /raise the memory limit and --max-old-space-size together, as docs\/sizing\.md says/);
  t.strictSame(w.heapNear, [true]);

  await w.advance(30_000);
  t.equal(w.lines.length, 1, 'no second warning while the heap stays over the line');
  await w.advance(30_000);
  t.strictSame(w.levels(), ['warn', 'info'], 'back under the re-arm line: logged at info');
  t.equal(w.lines[1]!.message, 'the V8 heap in use is back under its warning threshold');
  t.strictSame(w.heapNear, [true, false]);
  await w.advance(30_000);
  t.strictSame(w.levels(), ['warn', 'info', 'warn'], 'the next crossing warns again');
  t.strictSame(w.heapNear, [true, false, true]);
  t.strictSame(w.memoryNear, [], 'an RSS of 400 MiB is well under 0.8 of 1 GiB');

  w.stop.abort();
  await w.running;
  t.equal(w.clock.pendingTimers(), 0, 'stopping leaves no timer behind');
});

t.test("the RSS's floor over 0.8 of the memory limit warns once, and again after it cleared", async (t) => {
  // 0.8 of 512 MiB is 409.6 MiB; the re-arm line, 0.75, is 384 MiB. The heap stays at 100 of 332.
  const rss = [300, 420, 420, 420, 430, 430, 430, 380, 380, 380, 420, 420, 420];
  const w = watched(
    rss.map((r) => reading(100, r)),
    { memoryLimitBytes: 512 * MIB },
  );
  await new Promise((resolve) => setImmediate(resolve));
  await w.advance(30_000);
  t.equal(w.samples(), 4);
  t.strictSame(w.levels(), ['warn'], 'the fourth sample completes a window over the line');
  t.strictSame(w.lines[0]!.fields, {
    rssMiB: 420,
    memoryLimitMiB: 512,
    ratio: 0.82,
    threshold: 0.8,
    heapUsedMiB: 100,
    sizing: 'docs/sizing.md',
  });
  t.equal(
    w.lines[0]!.message,
    "the process's resident memory is 420 MiB, over 0.8 of the container's memory limit (512 MiB): raise the memory limit as docs/sizing.md says, before the kernel ends the process",
  );
  t.strictSame(w.memoryNear, [true]);

  await w.advance(30_000);
  t.strictSame(w.levels(), ['warn'], 'no second warning while the RSS stays over the line');
  await w.advance(30_000);
  t.strictSame(w.levels(), ['warn', 'info'], 'under the re-arm line for a whole window: logged at info');
  t.equal(w.lines[1]!.message, "the process's resident memory is back under its warning threshold");
  t.equal(w.lines[1]!.fields.rssMiB, 380);
  t.strictSame(w.memoryNear, [true, false]);
  await w.advance(30_000);
  t.strictSame(w.levels(), ['warn', 'info', 'warn'], 'the next crossing warns again');
  t.strictSame(w.memoryNear, [true, false, true]);
  t.strictSame(w.heapNear, [], 'the heap warning is judged on its own');
  w.stop.abort();
  await w.running;
});

t.test('no memory limit: the RSS is never judged, and an info line says so once', async (t) => {
  const w = watched([reading(100, 100_000)], { memoryLimitBytes: undefined });
  await new Promise((resolve) => setImmediate(resolve));
  await w.advance(120_000);
  t.equal(w.samples(), 13);
  t.strictSame(w.lines, [
    {
      level: 'info',
      fields: { files: ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes'] },
      message: 'no container memory limit found; the memory warning is off',
    },
  ]);
  t.strictSame(w.memoryNear, []);
  w.stop.abort();
  await w.running;

  const off = watched([reading(100, 100_000)], {
    memoryLimitBytes: undefined,
    settings: { ...SETTINGS, memoryRatio: 0 },
  });
  await off.advance(60_000);
  t.strictSame(off.lines, [], 'turned off by its ratio: nothing to say');
  off.stop.abort();
  await off.running;
});

t.test('a memory warning ratio of 0 turns the RSS warning off', async (t) => {
  const w = watched([reading(100, 510)], { memoryLimitBytes: 512 * MIB, settings: { ...SETTINGS, memoryRatio: 0 } });
  await w.advance(60_000);
  t.strictSame(w.lines, []);
  t.strictSame(w.memoryNear, []);
  w.stop.abort();
  await w.running;
});

t.test('a reader that throws skips its sample and the watch goes on', async (t) => {
  let calls = 0;
  const w = watched(() => {
    if (++calls === 1) throw new Error('no statistics');
    return reading(300);
  });
  await new Promise((resolve) => setImmediate(resolve));
  await w.advance(30_000);
  t.equal(calls, 4);
  t.strictSame(w.levels(), ['warn', 'warn']);
  t.equal(w.lines[0]!.message, 'heap statistics not read; the next sample is taken as usual');
  t.match(w.lines[1]!.message, /over 0\.85 of its bound/, 'then the three samples read cross the line');
  w.stop.abort();
  await w.running;
});
