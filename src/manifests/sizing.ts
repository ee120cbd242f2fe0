// The sizing formula of docs/sizing.md (#34): a replica's memory request, memory limit and V8 heap
// bound (--max-old-space-size) for a number of WebApps, each with its four children. Every replica
// is sized as a leader, since any of them may lead, and for a full relist (every watch expired: 410
// Gone after an apiserver restart or upgrade), when all three relist at once: a limit that only fits
// the steady state would kill them all together, and admission (failurePolicy: Fail) with them.
//
// The figures are bench:scale's at 731ca91 (bench/results/2026-12-07-scale.md), measured on a quiet
// machine at 0 and 10,000 WebApps: a straight line through them, extrapolated, with a margin of a
// quarter on top. Since streaming lists (decision 22) a relist's peak is a little over the steady
// heap, not 1.7 times it.

/** MiB, from bench:scale at 731ca91 (the leader, unless named). */
export const MEASURED = {
  /** Heap used and RSS with no WebApp. */
  idleHeapMiB: 56.9,
  idleRssMiB: 144,
  /** Per 1,000 WebApps, 0 to 10,000, steady. */
  heapPer1000MiB: 3.79,
  rssPer1000MiB: 12.77,
  standbyHeapPer1000MiB: 3.21,
  standbyRssPer1000MiB: 4.21,
  /** The heap's peak during a full relist at RELIST_AT WebApps. */
  relistPeakHeapMiB: 152.1,
  relistAtWebApps: 10_000,
} as const;

/** Headroom over the extrapolated figures: a quarter. */
export const MARGIN = 1.25;
/** The heap's relist peak per 1,000 WebApps, through the idle heap. */
export const RELIST_HEAP_PER_1000_MIB =
  (MEASURED.relistPeakHeapMiB - MEASURED.idleHeapMiB) / (MEASURED.relistAtWebApps / 1000);
/** What the RSS holds beside the heap (code, buffers, the young space, the allocator), idle and per 1,000. */
export const NON_HEAP_IDLE_MIB = MEASURED.idleRssMiB - MEASURED.idleHeapMiB;
export const NON_HEAP_PER_1000_MIB = MEASURED.rssPer1000MiB - MEASURED.heapPer1000MiB;
/** The default install's room beside the heap bound (512 - 320), kept as a floor. */
export const MIN_NON_HEAP_ROOM_MIB = 192;

export type Sizing = { requestMiB: number; limitMiB: number; heapBoundMiB: number };

const roundUp = (value: number, step: number) => Math.ceil(value / step) * step;

/**
 * The sizing for `webApps` WebApps, in MiB, never below the default install's (`floor`):
 * - heap bound: the relist peak of the heap (56.9 + 9.52 MiB per 1,000), plus the margin, in
 *   steps of 64 MiB;
 * - limit: the heap bound plus the room beside the heap (87.1 + 8.98 MiB per 1,000, plus the
 *   margin; at least 192), in steps of 128 MiB;
 * - request: the leader's steady RSS (144 + 12.77 MiB per 1,000), plus the margin, in steps of
 *   128 MiB.
 */
export function toSizing(webApps: number, floor: Sizing): Sizing {
  const n = webApps / 1000;
  const peakHeap = MEASURED.idleHeapMiB + RELIST_HEAP_PER_1000_MIB * n;
  const heapBoundMiB = Math.max(floor.heapBoundMiB, roundUp(peakHeap * MARGIN, 64));
  const room = Math.max(MIN_NON_HEAP_ROOM_MIB, (NON_HEAP_IDLE_MIB + NON_HEAP_PER_1000_MIB * n) * MARGIN);
  const limitMiB = Math.max(floor.limitMiB, roundUp(heapBoundMiB + room, 128));
  const steadyRss = MEASURED.idleRssMiB + MEASURED.rssPer1000MiB * n;
  const requestMiB = Math.max(floor.requestMiB, roundUp(steadyRss * MARGIN, 128));
  return { requestMiB, limitMiB, heapBoundMiB };
}

/**
 * The most WebApps `sizing` covers by the formula, in steps of 100: those for which the formula,
 * starting from `sizing`, asks for no larger heap bound or limit (the limit holds the bound and the
 * room beside it).
 */
export function webAppsCovered(sizing: Sizing): number {
  let webApps = 0;
  const fits = (n: number) => {
    const needed = toSizing(n, sizing);
    return needed.heapBoundMiB <= sizing.heapBoundMiB && needed.limitMiB <= sizing.limitMiB;
  };
  while (fits(webApps + 100)) webApps += 100;
  return webApps;
}
