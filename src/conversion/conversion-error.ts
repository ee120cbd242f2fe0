// Why a ConversionReview failed, as a code that tests assert and telemetry is to record.
import { CodedError } from '../errors/coded-error.ts';

export type ConversionErrorCode =
  | 'CONV_EMPTY_BODY'
  | 'CONV_DECODE'
  | 'CONV_INVALID_REVIEW'
  | 'CONV_UNSUPPORTED_VERSION'
  | 'CONV_INVALID_OBJECT'
  | 'CONV_FAILED';

export class ConversionError extends CodedError<ConversionErrorCode> {}
