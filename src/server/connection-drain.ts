// While the process drains (from SIGTERM until the listener closes), every answer carries
// `Connection: close`. HTTP/1.1 has no other way to tell a client to stop reusing a connection, and
// a kept-alive connection the server closes later races the next request the client sends on it:
// the apiserver reports that as `failed to call webhook: ... EOF` and does not retry it (found by
// test/integration/graceful-shutdown.test.ts). So clients move off this replica during the shutdown
// delay, answer by answer, and only connections idle all along are left to close. Go's
// Server.Shutdown does the same (keep-alives off, then idle connections closed).
/** An onSend hook: once `draining()`, the answer closes its connection. */
export function closeConnectionWhileDraining(draining: () => boolean) {
  return <P>(
    _req: unknown,
    reply: { header(name: string, value: string): unknown },
    payload: P,
    done: (err: null, payload: P) => void,
  ) => {
    if (draining()) reply.header('connection', 'close');
    done(null, payload);
  };
}
