import { CodedError } from '../errors/coded-error.ts';

export type HarnessErrorCode =
  | 'CP_ASSETS_MISSING'
  | 'CP_VERSIONS'
  | 'CP_START_FAILED'
  | 'CP_NOT_READY'
  | 'NODE_LOCK_TIMEOUT'
  | 'NODE_LOCK_GUARD'
  | 'NODE_START_FAILED'
  | 'NODE_TEARDOWN_INCOMPLETE';

/** A control-plane harness failure; `message` includes the tail of the components' logs. */
export class HarnessError extends CodedError<HarnessErrorCode> {}
