// From a raw request body to the ConversionReview the apiserver reads back (issue #35): every
// object converted to the desired apiVersion, or a failure naming what went wrong, never a partial
// answer (one object that cannot be converted fails the whole review, with no object in it). Never
// throws; echoes the request's uid when it can be read. Pure, tested by direct calls; the server's
// conversion plugin (src/server/conversion-plugin.ts) serves it at CONVERT_PATH, with the size limit,
// the content types and the telemetry of the HTTP edge.
import { WEBAPP_API_VERSIONS, convertWebApp, type Converted } from '../api/webapp-versions.ts';
import { CONVERSION_STATUS_CODES, ConversionError } from './conversion-error.ts';
import {
  CONVERSION_API_VERSION,
  type ConversionReviewResponse,
  conversionReviewRequestSchema,
} from './conversion-review.ts';

/** Converts one object; convertWebApp unless a test hands another. */
export type Convert = (object: unknown, apiVersion: string) => Converted;

/** What the request asked, once it parsed as a ConversionReview (for the log and the metrics). */
export type ConversionAsked = { uid: string; desiredAPIVersion: string; objects: number };

/** The review to answer with and, when it is a failure, why (for the log and the metrics). */
export type ConversionOutcome = {
  review: ConversionReviewResponse;
  error?: ConversionError;
  /** Absent when the body was no ConversionReview. */
  request?: ConversionAsked;
};

export function reviewConversion(
  body: Buffer | string | undefined,
  convert: Convert = convertWebApp,
): ConversionOutcome {
  const text = body === undefined ? '' : body.toString();
  if (!text.trim()) return conversionFailure('', new ConversionError('CONV_EMPTY_BODY', 'the request body is empty'));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    return conversionFailure('', new ConversionError('CONV_DECODE', 'the request body is not JSON', { cause }));
  }
  const uid = readUid(json);
  const parsed = conversionReviewRequestSchema.safeParse(json);
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    const message = `expected a ConversionReview ${CONVERSION_API_VERSION} with a request (${details})`;
    return conversionFailure(uid, new ConversionError('CONV_INVALID_REVIEW', message, { cause: parsed.error }));
  }
  const { desiredAPIVersion, objects } = parsed.data.request;
  const request: ConversionAsked = { uid, desiredAPIVersion, objects: objects.length };
  const failure = (error: ConversionError): ConversionOutcome => ({ ...conversionFailure(uid, error), request });
  if (!WEBAPP_API_VERSIONS.includes(desiredAPIVersion)) {
    const message = `cannot convert to ${JSON.stringify(desiredAPIVersion)}: the versions are ${WEBAPP_API_VERSIONS.join(', ')}`;
    return failure(new ConversionError('CONV_UNSUPPORTED_VERSION', message));
  }
  const convertedObjects: unknown[] = [];
  for (const [index, object] of objects.entries()) {
    let converted: Converted;
    try {
      converted = convert(object, desiredAPIVersion);
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : 'a non-Error was thrown';
      const message = `objects[${index}]${describe(object)}: conversion failed: ${reason}`;
      return failure(new ConversionError('CONV_FAILED', message, { cause }));
    }
    if (!converted.ok) {
      const message = `objects[${index}]${describe(object)}: ${converted.message}`;
      return failure(new ConversionError('CONV_INVALID_OBJECT', message));
    }
    convertedObjects.push(converted.object);
  }
  return {
    review: {
      apiVersion: CONVERSION_API_VERSION,
      kind: 'ConversionReview',
      response: { uid, convertedObjects, result: { status: 'Success' } },
    },
    request,
  };
}

/**
 * A failed review with `error`'s message and the status code of its code, or `statusCode` (the
 * HTTP edge's 415 for a Content-Type it cannot parse); for the edge too, before any body is read.
 */
export function conversionFailure(uid: string, error: ConversionError, statusCode?: number): ConversionOutcome {
  const code = statusCode ?? CONVERSION_STATUS_CODES[error.code];
  return {
    review: {
      apiVersion: CONVERSION_API_VERSION,
      kind: 'ConversionReview',
      response: { uid, result: { status: 'Failure', code, message: error.message } },
    },
    error,
  };
}

function readUid(json: unknown): string {
  const uid = (json as { request?: { uid?: unknown } } | null)?.request?.uid;
  return typeof uid === 'string' ? uid : '';
}

/** " (namespace/name)" of an object, when it has a readable one. */
function describe(object: unknown): string {
  const metadata = (object as { metadata?: { name?: unknown; namespace?: unknown } } | null)?.metadata;
  const name = typeof metadata?.name === 'string' ? metadata.name : undefined;
  if (name === undefined) return '';
  const namespace = typeof metadata?.namespace === 'string' ? `${metadata.namespace}/` : '';
  // A name is at most 253 characters and a namespace 63; a hostile one is cut, not echoed whole.
  return ` (${JSON.stringify(`${namespace}${name}`.slice(0, 320)).slice(1, -1)})`;
}
