export type AdmissionErrorCode =
  | 'ADM_EMPTY_BODY'
  | 'ADM_DECODE'
  | 'ADM_INVALID_REVIEW'
  | 'ADM_WRONG_RESOURCE'
  | 'ADM_BODY_TOO_LARGE'
  | 'ADM_POLICY_FAILED';

/** Why an AdmissionReview could not be judged; the message is what the caller sees. */
export class AdmissionError extends Error {
  readonly code: AdmissionErrorCode;
  constructor(code: AdmissionErrorCode, message: string, options?: ErrorOptions) {
    super(`${code}: ${message}`, options);
    this.name = 'AdmissionError';
    this.code = code;
  }
}
