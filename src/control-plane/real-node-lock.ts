// The machine-wide lock that keeps real nodes (real-node.ts) one at a time: a node reads the host's
// sysctls before it starts and puts them back after, so a second node started before the first is
// torn down would save the first one's values as the host's and "restore" them.
//
// The lock is a file holding its holder's pid and the pid of that process's watchdog
// (src/runtime/child-watchdog.ts). It is held while either runs: once the owner dies, its watchdog
// runs the node's teardown, which releases the lock when the host is as before
// (node-teardown-process.ts). A lock neither of whose processes runs is stale and is taken over.
//
// Reading, taking over and removing the file happen under a guard: a Unix socket in Linux's
// abstract namespace, which only one process can bind and which the kernel frees when that process
// dies, so the guard itself never goes stale (a file-based guard would need the takeover rules it
// exists to make safe). The guard is held for a few file operations, never while waiting. Abstract
// sockets belong to a network namespace: processes in different ones do not exclude each other
// (the nodes here run in the host's).
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProcessRunning } from '../runtime/process-running.ts';
import { sleep } from '../runtime/sleep.ts';
import { HarnessError } from './harness-error.ts';

/** What the lock file holds. */
export type LockHolder = {
  pid: number;
  /** The holder's watchdog, which releases the lock after tearing the node down. */
  watchdogPid?: number;
  /** When the lock was taken (ISO 8601). */
  since: string;
};

export type LockOptions = {
  /** The lock file; default defaultLockPath(). */
  path?: string;
  /** How long to wait for a holder to release it; default 10 minutes (a second suite waits). */
  timeoutMs?: number;
  /** How often to look again; default 500 ms. */
  intervalMs?: number;
  /** This process's watchdog: the lock stays held while it runs, after this process is gone. */
  watchdogPid?: number;
  /** Called once, when the lock is found held by a running process and the wait begins. */
  onWait?: (holder: LockHolder, path: string) => void;
};

export type HeldLock = {
  path: string;
  pid: number;
  /** Removes the lock file if it still holds this process's pid. Safe to call more than once. */
  release(): Promise<void>;
};

export const DEFAULT_LOCK_TIMEOUT_MS = 10 * 60_000;

/** /run/shipshape-real-node.lock when /run is writable (root, as a real node needs), else in the OS temp folder. */
export async function defaultLockPath(): Promise<string> {
  const run = await access('/run', constants.W_OK).then(
    () => true,
    () => false,
  );
  return join(run ? '/run' : tmpdir(), 'shipshape-real-node.lock');
}

/**
 * Takes the lock for this process, waiting while another running process (or its watchdog) holds
 * it. Rejects with NODE_LOCK_TIMEOUT, naming the holder's pid, after `timeoutMs`.
 */
export async function acquireRealNodeLock(options: LockOptions = {}): Promise<HeldLock> {
  const path = options.path ?? (await defaultLockPath());
  const timeoutMs = options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const mine: LockHolder = { pid: process.pid, watchdogPid: options.watchdogPid, since: '' };
  let waited = false;
  for (;;) {
    const holder = await withGuard(path, async () => {
      const current = await readHolder(path);
      if (current && isHeld(current)) return current;
      mine.since = new Date().toISOString();
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(mine), { mode: 0o644 });
      await rename(tmp, path);
      return undefined;
    });
    if (!holder) return { path, pid: process.pid, release: once(() => releaseRealNodeLock(path, process.pid)) };
    if (!waited) options.onWait?.(holder, path);
    waited = true;
    if (Date.now() >= deadline) {
      throw new HarnessError(
        'NODE_LOCK_TIMEOUT',
        `another real node runs on this machine: pid ${holder.pid}` +
          `${holder.watchdogPid ? ` (watchdog ${holder.watchdogPid})` : ''} has held ${path} since ${holder.since};` +
          ` waited ${Math.round(timeoutMs / 1000)} s`,
      );
    }
    await sleep(Math.min(options.intervalMs ?? 500, Math.max(0, deadline - Date.now())));
  }
}

/**
 * Removes the lock at `path` if `pid` holds it, and says whether it did; a lock since taken over
 * by another process is left alone. For the holder's stop() and for the teardown its watchdog runs.
 */
export async function releaseRealNodeLock(path: string, pid: number): Promise<boolean> {
  return withGuard(path, async () => {
    if ((await readHolder(path))?.pid !== pid) return false;
    await unlink(path);
    return true;
  });
}

function isHeld(holder: LockHolder): boolean {
  return isProcessRunning(holder.pid) || (holder.watchdogPid !== undefined && isProcessRunning(holder.watchdogPid));
}

/** The file's holder; undefined when there is no file or it cannot be read as one (a stale lock). */
async function readHolder(path: string): Promise<LockHolder | undefined> {
  try {
    const holder = JSON.parse(await readFile(path, 'utf8')) as Partial<LockHolder>;
    return Number.isInteger(holder.pid) ? (holder as LockHolder) : undefined;
  } catch {
    return undefined;
  }
}

/** Runs `critical` while this process alone holds the guard of `path` (see the module's comment). */
async function withGuard<T>(path: string, critical: () => Promise<T>): Promise<T> {
  const name = `\0shipshape-lock-${createHash('sha256').update(path).digest('hex').slice(0, 32)}`;
  const server = createServer();
  for (let attempt = 0; ; attempt++) {
    const bound = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      server.once('error', resolve);
      server.listen(name, () => {
        server.off('error', resolve);
        resolve(undefined);
      });
    });
    if (!bound) break;
    if (bound.code !== 'EADDRINUSE' || attempt >= 1000) {
      throw new HarnessError('NODE_LOCK_GUARD', `cannot take the guard of ${path}: ${bound.code}`, { cause: bound });
    }
    await sleep(5 + Math.random() * 20);
  }
  try {
    return await critical();
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

function once(fn: () => Promise<unknown>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn().then(() => undefined));
}
