// The judgement behind the memory warnings (src/runtime/floor-watch.ts), as a pure function: the
// floor of the window against a ratio of the bound, once per crossing, re-armed under the ratio
// less the margin; a sawtooth that only peaks over the line never crosses it.
import t from 'tap';
import { type FloorWatchSettings, INITIAL_FLOOR_STATE, judgeFloor } from '../../../src/runtime/floor-watch.ts';

const MIB = 1024 * 1024;
const BOUND = 332 * MIB;
const SETTINGS: FloorWatchSettings = { ratio: 0.85, window: 3, rearmMargin: 0.05 };

/** The changes judgeFloor reports for `valuesMiB` against BOUND, one sample after the other. */
function changes(valuesMiB: number[], settings = SETTINGS) {
  let state = INITIAL_FLOOR_STATE;
  return valuesMiB.map((value) => {
    const judgement = judgeFloor(state, value * MIB, BOUND, settings);
    state = judgement.state;
    return judgement.change ?? '-';
  });
}

t.test('a crossing is reported once, and again only after the floor went back under the re-arm line', async (t) => {
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
  const first = judgeFloor(INITIAL_FLOOR_STATE, 300 * MIB, BOUND, SETTINGS);
  const second = judgeFloor(first.state, 166 * MIB, BOUND, SETTINGS);
  t.equal(second.floor, 166 * MIB);
  t.equal(second.floorRatio, 0.5);
  t.strictSame(second.state.recent, [300 * MIB, 166 * MIB]);
  const windowed = [1, 2, 3, 4].reduce((s, n) => judgeFloor(s, n * MIB, BOUND, SETTINGS).state, INITIAL_FLOOR_STATE);
  t.strictSame(windowed.recent, [2 * MIB, 3 * MIB, 4 * MIB], 'the window keeps the last three');
  t.equal(judgeFloor(INITIAL_FLOOR_STATE, MIB, 0, SETTINGS).floorRatio, 0, 'a bound of 0 gives a share of 0');
});

t.test('a ratio of 0 turns the judgement off', async (t) => {
  t.strictSame(new Set(changes([330, 330, 330, 330], { ...SETTINGS, ratio: 0 })), new Set(['-']));
});
