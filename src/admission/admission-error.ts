import { CodedError } from '../errors/coded-error.ts';

export type AdmissionErrorCode =
  | 'ADM_EMPTY_BODY'
  | 'ADM_DECODE'
  | 'ADM_INVALID_REVIEW'
  | 'ADM_WRONG_RESOURCE'
  | 'ADM_BODY_TOO_LARGE'
  | 'ADM_POLICY_FAILED';

/** Why an AdmissionReview could not be judged; the message is what the caller sees. */
export class AdmissionError extends CodedError<AdmissionErrorCode> {}
