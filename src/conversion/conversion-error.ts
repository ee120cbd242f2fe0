// Why a ConversionReview failed, as a code that tests assert and telemetry records, and the status
// code each one puts in the review's result (a metav1.Status): the HTTP status of the answer is
// always 200, because the apiserver reads the result's message only from a 200 (any other status
// fails the read with an opaque "conversion webhook ... failed" instead).
import { CodedError } from '../errors/coded-error.ts';

export type ConversionErrorCode =
  | 'CONV_EMPTY_BODY'
  | 'CONV_DECODE'
  | 'CONV_INVALID_REVIEW'
  | 'CONV_UNSUPPORTED_VERSION'
  | 'CONV_BODY_TOO_LARGE'
  | 'CONV_INVALID_OBJECT'
  | 'CONV_FAILED';

export class ConversionError extends CodedError<ConversionErrorCode> {}

/**
 * result.code of a failure: 400 a request that is no ConversionReview we can answer, 413 a body over
 * the limit, 415 a Content-Type header that does not parse (set by the HTTP edge, with CONV_DECODE),
 * 422 an object that is no WebApp of a known version, 500 a conversion that threw (our fault).
 */
export const CONVERSION_STATUS_CODES: Readonly<Record<ConversionErrorCode, number>> = Object.freeze({
  CONV_EMPTY_BODY: 400,
  CONV_DECODE: 400,
  CONV_INVALID_REVIEW: 400,
  CONV_UNSUPPORTED_VERSION: 400,
  CONV_BODY_TOO_LARGE: 413,
  CONV_INVALID_OBJECT: 422,
  CONV_FAILED: 500,
});
