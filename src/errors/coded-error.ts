// The shape of Shipshape's errors: a stable `code` that callers branch on and tests assert, a
// message that starts with that code (so a log line or an AdmissionReview's message names it),
// and the `cause`. Each area declares its codes and a subclass, so `instanceof` still tells them
// apart and `name` is the subclass's.
export class CodedError<Code extends string> extends Error {
  readonly code: Code;
  constructor(code: Code, message: string, options?: ErrorOptions) {
    super(`${code}: ${message}`, options);
    this.name = new.target.name;
    this.code = code;
  }
}
