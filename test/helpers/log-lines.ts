// A pino destination that keeps each line it is given, parsed, for tests that assert what was
// logged (the fields, the trace ids a mixin added).
import { Writable } from 'node:stream';

export function captureLogLines(): { lines: Record<string, unknown>[]; stream: Writable } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}
