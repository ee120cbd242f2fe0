// What converting costs in this process, per object (bench/conversion.ts, part one): convertWebApp
// on one object, and a whole ConversionReview (parse, check, convert, the answer's JSON) through
// reviewConversion, for each object of bench/conversion-objects.ts in each direction. Each case
// runs in rounds of about `roundMs`, the cases interleaved round by round so that the machine's
// drift falls on all of them alike; the figure is the median of the rounds' means.
import { convertWebApp } from '../src/api/webapp-versions.ts';
import { API_GROUP } from '../src/constants.ts';
import { reviewConversion } from '../src/conversion/review-conversion.ts';
import { V1_PLAIN, V1_RICH, V2_PLAIN, V2_RICH, conversionReview } from './conversion-objects.ts';
import { median } from './median.ts';

const V1 = `${API_GROUP}/v1`;
const V2 = `${API_GROUP}/v2`;

/** One case: `run` does `objects` objects' worth of work once. */
type Case = { name: string; objects: number; run: () => unknown };

const review = (object: unknown, desired: string, count = 1) =>
  Buffer.from(
    JSON.stringify(
      conversionReview(
        Array.from({ length: count }, () => object),
        desired,
      ),
    ),
  );

/** What a review answer costs to send: reviewConversion's answer as the plugin serializes it. */
const reviewed = (body: Buffer) => () => JSON.stringify(reviewConversion(body).review);

export function conversionCases(): Case[] {
  const directions = [
    ['v1 -> v2, plain', V1_PLAIN, V2],
    ['v1 -> v2, v2-only fields', V1_RICH, V2],
    ['v2 -> v1, plain', V2_PLAIN, V1],
    ['v2 -> v1, v2-only fields', V2_RICH, V1],
  ] as const;
  return [
    ...directions.map(([name, object, to]) => ({
      name: `convertWebApp ${name}`,
      objects: 1,
      run: () => convertWebApp(object, to),
    })),
    ...directions.map(([name, object, to]) => ({
      name: `review of 1 ${name}`,
      objects: 1,
      run: reviewed(review(object, to)),
    })),
    // A list's objects in one review, which v1.37 does not send (docs/api.md): the per-object cost
    // without the per-review part.
    { name: 'review of 100 v1 -> v2, plain', objects: 100, run: reviewed(review(V1_PLAIN, V2, 100)) },
    // JSON.parse and JSON.stringify of the same review, nothing converted: the floor under a review.
    {
      name: 'JSON round trip of a 1-object review',
      objects: 1,
      run: (() => {
        const body = review(V1_PLAIN, V2);
        return () => JSON.stringify(JSON.parse(body.toString()));
      })(),
    },
  ];
}

export type CaseFigure = { name: string; nsPerObject: number; rounds: number[] };

/** Median over `rounds` of each case's ns per object, the cases interleaved in each round. */
export function measureCases(cases: Case[], rounds: number, roundMs: number): CaseFigure[] {
  const perRound = new Map(cases.map((c) => [c.name, [] as number[]]));
  // Warm-up: each case until V8 has optimized it (not timed).
  for (const c of cases) for (let i = 0; i < 2000 / c.objects; i++) c.run();
  for (let round = 0; round < rounds; round++) {
    for (const c of cases) {
      let iterations = 0;
      const started = process.hrtime.bigint();
      let elapsed = 0n;
      const budget = BigInt(roundMs) * 1_000_000n;
      while (elapsed < budget) {
        for (let i = 0; i < 50; i++) c.run();
        iterations += 50;
        elapsed = process.hrtime.bigint() - started;
      }
      perRound.get(c.name)!.push(Number(elapsed) / (iterations * c.objects));
    }
  }
  return cases.map((c) => {
    const rs = perRound.get(c.name)!;
    return { name: c.name, nsPerObject: median(rs), rounds: rs };
  });
}
