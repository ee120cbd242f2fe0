// Hostile ConversionReviews for the conversion route's tests (fast-check): reviews whose envelope
// is right most of the time, carrying WebApps of both versions (valid, stored-but-refused and
// hostile, sometimes a LIST's worth), then mutated, corrupted as bytes and sent with right and
// wrong content types by hostile-admission.ts's machinery; and the judge of an answer: HTTP 200
// with a ConversionReview on the route, never a 5xx, never a partial answer, and a Success for
// every review the apiserver could have sent.
import fc from 'fast-check';
import { CONVERT_PATH } from '../../src/constants.ts';
import { isObject } from '../../src/json/json.ts';
import { admittedV1, admittedV2, hostileWebApp, validV1, validV2 } from '../unit/api/webapp-arbitraries.ts';
import { type HostileRequest, type Mutation, hostileTarget, mutation, toHostileRequest } from './hostile-admission.ts';

const VERSIONS = ['shipshape.dev/v1', 'shipshape.dev/v2'];
const rarely = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: valid, weight: 20 }, { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 1 });

/** What a stored WebApp can be: valid, refused by today's rules, anything in any field. */
const stored = fc.oneof(
  { arbitrary: fc.oneof(validV1, validV2), weight: 6 },
  { arbitrary: fc.oneof(admittedV1, admittedV2), weight: 3 },
  { arbitrary: hostileWebApp.map((o) => ({ ...o, kind: 'WebApp' })), weight: 2 },
);
const object = fc.oneof(
  { arbitrary: stored, weight: 12 },
  { arbitrary: fc.oneof(hostileWebApp, fc.jsonValue({ maxDepth: 2 })), weight: 1 },
);
/** Mostly a few objects (a GET, a watch event), sometimes a LIST's page of stored ones. */
const objects = fc.oneof(
  { arbitrary: fc.array(object, { maxLength: 4 }), weight: 8 },
  { arbitrary: fc.array(stored, { minLength: 50, maxLength: 200 }), weight: 1 },
);

export const conversionReview = fc.record({
  apiVersion: rarely(fc.constant('apiextensions.k8s.io/v1')),
  kind: rarely(fc.constant('ConversionReview')),
  request: rarely(
    fc.record({
      uid: rarely(fc.uuid()),
      desiredAPIVersion: rarely(fc.constantFrom(...VERSIONS, 'shipshape.dev/v3', 'apps/v1', '')),
      objects: rarely(objects),
    }),
  ),
});

const target = hostileTarget(fc.constant({ method: 'POST', path: CONVERT_PATH }), [
  CONVERT_PATH,
  `${CONVERT_PATH}?timeout=30s`,
  `${CONVERT_PATH}/`,
  '/CONVERT-WEBAPPS',
]);

/** A hostile request: a generated review, 0-3 mutations, at most one byte-level corruption. */
export const hostileConversionRequest: fc.Arbitrary<HostileRequest> = toHostileRequest(
  conversionReview,
  fc.oneof({ arbitrary: fc.constant<Mutation[]>([]), weight: 3 }, fc.array(mutation, { minLength: 1, maxLength: 3 })),
  target,
);

/** The request a body carries when it parses as one the apiserver could send; else undefined. */
function wellFormed(body: Buffer): { uid: string; desiredAPIVersion: string; objects: unknown[] } | undefined {
  let review: unknown;
  try {
    review = JSON.parse(body.toString());
  } catch {
    return undefined;
  }
  if (!isObject(review) || review.apiVersion !== 'apiextensions.k8s.io/v1' || review.kind !== 'ConversionReview')
    return undefined;
  const req = review.request;
  if (!isObject(req) || typeof req.uid !== 'string' || !req.uid || !Array.isArray(req.objects)) return undefined;
  if (typeof req.desiredAPIVersion !== 'string' || !VERSIONS.includes(req.desiredAPIVersion)) return undefined;
  const webApps = req.objects.every(
    (o) => isObject(o) && o.kind === 'WebApp' && VERSIONS.includes(o.apiVersion as string),
  );
  return webApps ? { uid: req.uid, desiredAPIVersion: req.desiredAPIVersion, objects: req.objects } : undefined;
}

function uidOf(body: Buffer): string | undefined {
  try {
    const uid = JSON.parse(body.toString())?.request?.uid;
    return typeof uid === 'string' ? uid : undefined;
  } catch {
    return undefined;
  }
}

/** metadata without annotations (the only part conversion may change), for comparison. */
const metadataOf = (o: unknown) => {
  const metadata = { ...(isObject(o) && isObject(o.metadata) ? o.metadata : {}) };
  delete metadata.annotations;
  return JSON.stringify(metadata);
};

/**
 * Why `status` and `text`, the answer to `req`, are not what a hostile request may get; undefined
 * when they are. `tally` gets one entry per answer: `Success`, or the failure's code.
 */
export function conversionAnswerProblem(
  req: HostileRequest,
  status: number,
  text: string,
  bodyLimit: number,
  tally?: (key: string) => void,
): string | undefined {
  const routed = req.method === 'POST' && new URL(req.path, 'https://x').pathname === CONVERT_PATH;
  if (!routed) {
    if (status >= 400 && status < 500) return void tally?.(`http ${status}`);
    return `HTTP ${status} off the route: a 4xx expected`;
  }
  if (status !== 200) return `HTTP ${status}: the route answers 200 with a ConversionReview`;
  let review;
  try {
    review = JSON.parse(text);
  } catch {
    return 'the answer is not JSON';
  }
  const response = review?.response;
  if (review?.apiVersion !== 'apiextensions.k8s.io/v1' || review.kind !== 'ConversionReview' || !isObject(response))
    return 'not a ConversionReview apiextensions.k8s.io/v1 with a response';
  const result = response.result as { status?: unknown; code?: unknown; message?: unknown } | undefined;
  if (typeof response.uid !== 'string' || !isObject(result)) return 'response.uid or result missing';
  // A body over the limit (413) or under a Content-Type that does not parse (415, never the
  // apiserver's application/json) is refused unread.
  const tooLarge = req.body.length > bodyLimit;
  const unread = tooLarge || result.code === 415;
  const uid = uidOf(req.body);
  if (!unread && uid !== undefined && response.uid !== uid) return `response.uid ${response.uid} does not echo ${uid}`;
  const asked = unread ? undefined : wellFormed(req.body);
  if (result.status === 'Failure') {
    if ('convertedObjects' in response) return 'a Failure with objects';
    if (!Number.isInteger(result.code) || (result.code as number) < 400 || (result.code as number) > 599)
      return 'a Failure without a 4xx/5xx result.code';
    if (typeof result.message !== 'string' || !/^CONV_[A-Z_]+: ./.test(result.message))
      return 'a Failure without a coded message';
    // A Content-Type that does not parse is refused before the body's size is known.
    if (tooLarge && result.code !== 413 && result.code !== 415)
      return `a body over the limit answered ${result.code}, not 413`;
    // A review the apiserver could send converts, unless nesting deeper than any stored object
    // (the apiserver prunes and bounds it) ran the stack out: a CONV_FAILED, still no crash.
    const deep = req.mutations.some((m) => m.startsWith('deep-'));
    if (asked && !(deep && result.code === 500)) return `a well-formed review failed: ${result.message}`;
    const code = /^(CONV_[A-Z_]+)/.exec(result.message)![1]!;
    return void tally?.(`${code} ${result.code}`);
  }
  if (result.status !== 'Success') return `result.status ${JSON.stringify(result.status)}`;
  if (!asked) return 'a Success for a review the apiserver could not send';
  const converted = response.convertedObjects;
  if (!Array.isArray(converted) || converted.length !== asked.objects.length)
    return `a partial answer: ${Array.isArray(converted) ? converted.length : 'no'} objects for ${asked.objects.length}`;
  for (const [i, out] of converted.entries()) {
    const input = asked.objects[i] as Record<string, unknown>;
    if (!isObject(out) || out.apiVersion !== asked.desiredAPIVersion || out.kind !== 'WebApp')
      return `objects[${i}] is not a WebApp at ${asked.desiredAPIVersion}`;
    // The apiserver refuses an answer whose metadata changed beyond labels and annotations.
    if (metadataOf(out) !== metadataOf(input)) return `objects[${i}]: metadata changed`;
  }
  return void tally?.('Success');
}
