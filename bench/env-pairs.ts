// The benchmarks' environment options: KEY=VALUE pairs (the value may hold '=' and be empty) into
// an environment object. A pair without '=' or with an empty key is refused, naming the option,
// rather than passed on as a variable set to "undefined".
export function envPairs(pairs: readonly string[], option: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new Error(`${option}: expected KEY=VALUE, got ${JSON.stringify(pair)}`);
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return env;
}
