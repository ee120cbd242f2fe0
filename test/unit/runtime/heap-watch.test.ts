// The heap watch (src/runtime/heap-watch.ts): the judgement as a pure function, then the Runnable on
// a fake clock with a fake heap reader: one warning per crossing, with the figures and the sizing
// page, the gauge's hook set and cleared, a sawtooth that only peaks over the line never warning.
import t from 'tap';
import {
  type HeapReading,
  type HeapWatchSettings,
  INITIAL_HEAP_STATE,
  createHeapWatch,
  judgeHeap,
  readHeap,
} from '../../../src/runtime/heap-watch.ts';
import { createFakeClock } from '../../helpers/fake-clock.ts';

const MIB = 1024 * 1024;
const LIMIT = 332 * MIB;
const SETTINGS: HeapWatchSettings = { ratio: 0.85, window: 3, rearmMargin: 0.05 };
const reading = (usedMiB: number): HeapReading => ({
  usedBytes: usedMiB * MIB,
  limitBytes: LIMIT,
  rssBytes: 400 * MIB,
});

/** The changes judgeHeap reports for `usedMiB`, one sample after the other. */
function changes(usedMiB: number[], settings = SETTINGS) {
  let state = INITIAL_HEAP_STATE;
  return usedMiB.map((used) => {
    const judgement = judgeHeap(state, reading(used), settings);
    state = judgement.state;
    return judgement.change ?? '-';
  });
}

t.test('a crossing is reported once, and again only after the heap went back under the re-arm line', async (t) => {
  // 0.85 of 332 MiB is 282.2 MiB; the re-arm line, 0.80, is 265.6 MiB.
  t.strictSame(changes([100, 290, 290, 290, 300, 310, 310, 270, 270, 270, 260, 260, 260, 300, 300, 300]), [
    '-',
    '-',
    '-',
    'crossed',
    '-',
    '-',
    '-',
    '-',
    '-',
    '-',
    'cleared',
    '-',
    '-',
    '-',
    '-',
    'crossed',
  ]);
});

t.test('the floor of the window is judged: a sawtooth whose peaks cross the line never warns', async (t) => {
  const sawtooth = Array.from({ length: 30 }, (_, i) => (i % 3 === 2 ? 150 : 320));
  t.strictSame(new Set(changes(sawtooth)), new Set(['-']));
  t.strictSame(changes([320, 320, 320]).at(-1), 'crossed', 'the same peaks, held for the window, do');
});

t.test('the judgement gives the floor and its share of the bound', async (t) => {
  const first = judgeHeap(INITIAL_HEAP_STATE, reading(300), SETTINGS);
  const second = judgeHeap(first.state, reading(166), SETTINGS);
  t.equal(second.floorBytes, 166 * MIB);
  t.equal(second.floorRatio, 0.5);
  t.strictSame(second.state.recentUsedBytes, [300 * MIB, 166 * MIB]);
  const windowed = [1, 2, 3, 4].reduce((s, n) => judgeHeap(s, reading(n), SETTINGS).state, INITIAL_HEAP_STATE);
  t.strictSame(windowed.recentUsedBytes, [2 * MIB, 3 * MIB, 4 * MIB], 'the window keeps the last three');
});

t.test('a ratio of 0 turns the warning off', async (t) => {
  t.strictSame(new Set(changes([330, 330, 330, 330], { ...SETTINGS, ratio: 0 })), new Set(['-']));
});

t.test('this process is read as V8 and the kernel report it', async (t) => {
  const { usedBytes, limitBytes, rssBytes } = readHeap();
  t.ok(usedBytes > 0 && usedBytes < limitBytes, `used ${usedBytes} of ${limitBytes}`);
  t.ok(rssBytes > usedBytes, `RSS ${rssBytes} covers the heap in use`);
});

type Line = { level: 'warn' | 'info'; fields: Record<string, unknown>; message: string };

function watched(usedMiB: number[], read?: () => HeapReading) {
  const clock = createFakeClock();
  const lines: Line[] = [];
  const near: boolean[] = [];
  let samples = 0;
  const watch = createHeapWatch({
    settings: SETTINGS,
    intervalMs: 10_000,
    read: read ?? (() => reading(usedMiB[Math.min(samples++, usedMiB.length - 1)]!)),
    timers: clock,
    logger: {
      warn: (fields, message) => lines.push({ level: 'warn', fields: fields as Line['fields'], message }),
      info: (fields, message) => lines.push({ level: 'info', fields: fields as Line['fields'], message }),
    },
    onNearLimit: (isNear) => near.push(isNear),
    sizingPage: 'docs/sizing.md',
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
  return { watch, clock, lines, near, stop, running, advance, samples: () => samples };
}

t.test('the Runnable samples at once and every interval, warns once per crossing, sets the gauge', async (t) => {
  const w = watched([100, 200, 300, 300, 300, 300, 300, 300, 200, 200, 200, 300, 300, 300]);
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
  t.strictSame(w.near, [true]);

  await w.advance(30_000);
  t.equal(w.lines.length, 1, 'no second warning while the heap stays over the line');
  await w.advance(30_000);
  t.strictSame(
    w.lines.map((l) => l.level),
    ['warn', 'info'],
    'back under the re-arm line: logged at info',
  );
  t.strictSame(w.near, [true, false]);
  await w.advance(30_000);
  t.strictSame(
    w.lines.map((l) => l.level),
    ['warn', 'info', 'warn'],
    'the next crossing warns again',
  );
  t.strictSame(w.near, [true, false, true]);

  w.stop.abort();
  await w.running;
  t.equal(w.clock.pendingTimers(), 0, 'stopping leaves no timer behind');
});

t.test('a reader that throws skips its sample and the watch goes on', async (t) => {
  let calls = 0;
  const w = watched([], () => {
    if (++calls === 1) throw new Error('no statistics');
    return reading(300);
  });
  await new Promise((resolve) => setImmediate(resolve));
  await w.advance(30_000);
  t.equal(calls, 4);
  t.strictSame(
    w.lines.map((l) => l.level),
    ['warn', 'warn'],
  );
  t.equal(w.lines[0]!.message, 'heap statistics not read; the next sample is taken as usual');
  t.match(w.lines[1]!.message, /over 0\.85 of its bound/, 'then the three samples read cross the line');
  w.stop.abort();
  await w.running;
});
