import { CodedError } from '../errors/coded-error.ts';

export type CliErrorCode = 'CLI_USAGE' | 'CLI_INPUT' | 'CLI_CONFIG' | 'CLI_SERVER';

/**
 * Why `shipshape` could not judge anything: a bad flag, an unreadable file, a bad configuration or
 * a webhook that could not be asked. Each one exits with code 2; the message is what is printed.
 */
export class CliError extends CodedError<CliErrorCode> {
  static override readonly codeInMessage = false;
}
