// The judgement behind the memory warnings (src/runtime/memory-watch.ts), one for every watched
// quantity (the V8 heap in use against V8's bound, the RSS against the container's memory limit):
// the lowest of the last `window` samples against `ratio` of the bound, with a re-arm line
// `rearmMargin` under the ratio, so a quantity that hovers on the line is reported once per crossing.
//
// The floor, not the last sample: used_heap_size counts garbage until the next major collection,
// and V8 lets a heap whose live data is well under the bound grow toward it before collecting (its
// heap growing factor); the RSS follows the heap's sawtooth. The floor over the window is close to
// what survives collections, which only a larger bound, or fewer WebApps, can make room for.

export type FloorWatchSettings = {
  /** The threshold, a fraction of the bound in (0, 1]; 0 turns the judgement off. */
  ratio: number;
  /** How many samples the floor is taken over. */
  window: number;
  /** A crossing re-arms once the floor is below `ratio - rearmMargin`. */
  rearmMargin: number;
};

export type FloorState = {
  /** The last `window` samples, oldest first. */
  recent: readonly number[];
  /** Whether the last change was a crossing. */
  near: boolean;
};

export type FloorJudgement = {
  state: FloorState;
  /** `crossed`: the floor has just risen over the ratio; `cleared`: it has just fallen under the re-arm line. */
  change?: 'crossed' | 'cleared';
  /** The lowest sample of the window, and its share of the bound (0 for a bound that is not positive). */
  floor: number;
  floorRatio: number;
};

export const INITIAL_FLOOR_STATE: FloorState = { recent: [], near: false };

/** Adds `value` to the window and judges the floor against `settings.ratio` of `bound`; pure. */
export function judgeFloor(
  state: FloorState,
  value: number,
  bound: number,
  settings: FloorWatchSettings,
): FloorJudgement {
  const recent = [...state.recent, value].slice(-Math.max(1, settings.window));
  const floor = Math.min(...recent);
  const floorRatio = bound > 0 ? floor / bound : 0;
  let near = state.near;
  let change: FloorJudgement['change'];
  // Judged on a full window only: a process that has just started has no floor yet.
  const judged = settings.ratio > 0 && recent.length >= settings.window;
  if (judged && !near && floorRatio >= settings.ratio) [near, change] = [true, 'crossed'];
  else if (judged && near && floorRatio < settings.ratio - settings.rearmMargin) [near, change] = [false, 'cleared'];
  return { state: { recent, near }, floor, floorRatio, ...(change && { change }) };
}
