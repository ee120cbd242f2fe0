// The shape of Shipshape's errors: a stable `code` that callers branch on, tests assert and
// telemetry records (read from the field, never parsed out of a message), and the `cause`. Each
// area declares its codes and a subclass, so `instanceof` still tells them apart and `name` is the
// subclass's. By default the message starts with the code, so a log line or an AdmissionReview's
// message names it; a subclass whose message is printed to a user as it is (a bad setting, a
// quantity in a denial) sets `codeInMessage = false`.
export class CodedError<Code extends string = string> extends Error {
  static readonly codeInMessage: boolean = true;
  readonly code: Code;
  constructor(code: Code, message: string, options?: ErrorOptions) {
    super((new.target as typeof CodedError).codeInMessage ? `${code}: ${message}` : message, options);
    this.name = new.target.name;
    this.code = code;
  }
}
