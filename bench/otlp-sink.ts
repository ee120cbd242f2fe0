// An OTLP/HTTP collector for the benchmarks that accepts and drops everything (an empty protobuf is
// a valid reply), counting exports and bytes, so telemetry-on figures include a real export path.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export type OtlpSink = { url: string; stats(): { exports: number; bytes: number }; close(): Promise<void> };

export async function startSink(): Promise<OtlpSink> {
  let exports = 0;
  let bytes = 0;
  const server = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      exports++;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, stats: () => ({ exports, bytes }), close: () => new Promise<void>((r) => server.close(() => r())) };
}
