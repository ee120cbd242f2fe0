// What another Node process holds live, read through its inspector (the Chrome DevTools Protocol
// over the WebSocket that `--inspect=127.0.0.1:0` opens): a full collection first, then V8's heap
// in use plus the ArrayBuffers' backing stores (Buffers: request bodies live there, outside the
// heap). Unlike RSS, which keeps whatever V8 and malloc grew, this is what the process could not
// free, so two readings apart show what a run left behind.
import { readFile } from 'node:fs/promises';
import { eventually } from './eventually.ts';

export type HeapProbe = {
  /** Mebibytes live after a full collection. */
  liveMiB(): Promise<number>;
  close(): void;
};

/** Connects to the inspector whose address a process started with `--inspect=127.0.0.1:0` wrote to `logPath`. */
export async function connectHeapProbe(logPath: string): Promise<HeapProbe> {
  const url = await eventually(`the inspector's address in ${logPath}`, async () => {
    const log = await readFile(logPath, 'utf8');
    return /Debugger listening on (ws:\/\/\S+)/.exec(log)?.[1];
  });
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error(`cannot connect to the inspector at ${url}`));
  });
  let lastId = 0;
  const pending = new Map<number, { resolve(result: unknown): void; reject(err: Error): void }>();
  ws.onmessage = (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
    const waiter = message.id === undefined ? undefined : pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id!);
    if (message.error) waiter.reject(new Error(`inspector: ${message.error.message}`));
    else waiter.resolve(message.result);
  };
  ws.onclose = () => {
    for (const waiter of pending.values()) waiter.reject(new Error('the inspector closed the connection'));
    pending.clear();
  };
  const call = <T>(method: string) =>
    new Promise<T>((resolve, reject) => {
      const id = ++lastId;
      pending.set(id, { resolve: resolve as (result: unknown) => void, reject });
      ws.send(JSON.stringify({ id, method }));
    });
  return {
    async liveMiB() {
      await call('HeapProfiler.collectGarbage');
      const usage = await call<{ usedSize: number; backingStorageSize?: number }>('Runtime.getHeapUsage');
      if (usage.backingStorageSize === undefined) throw new Error('this Node reports no backingStorageSize');
      return (usage.usedSize + usage.backingStorageSize) / 2 ** 20;
    },
    close: () => ws.close(),
  };
}
