// readKeyPair's failures name the first file missing, in the order certificate, key, client CA,
// whichever read happens to fail first (the start-up message is built from that path).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { readKeyPair } from '../../../src/tls/key-pair.ts';

const dir = await mkdtemp(join(tmpdir(), 'key-pair-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));
const file = (name: string) => join(dir, name);
await writeFile(file('present.crt'), 'CERT');
await writeFile(file('present.key'), 'KEY');
await writeFile(file('present-ca.crt'), 'CA');

const failedPath = (certFile: string, keyFile: string, caFile = '') =>
  readKeyPair(certFile, keyFile, caFile).then(
    () => 'read',
    (err: NodeJS.ErrnoException) => err.path,
  );

t.test('all three read', async (t) => {
  t.strictSame(await readKeyPair(file('present.crt'), file('present.key'), file('present-ca.crt')), {
    cert: 'CERT',
    key: 'KEY',
    clientCa: 'CA',
  });
  t.strictSame(await readKeyPair(file('present.crt'), file('present.key')), { cert: 'CERT', key: 'KEY' });
});

t.test('the certificate is named first, every time', async (t) => {
  // Many rounds: with concurrent reads the first to fail used to win the race.
  const paths = await Promise.all(
    Array.from({ length: 50 }, () => failedPath(file('no.crt'), file('no.key'), file('no-ca.crt'))),
  );
  t.strictSame(new Set(paths), new Set([file('no.crt')]));
});

t.test('then the key, then the client CA', async (t) => {
  t.equal(await failedPath(file('present.crt'), file('no.key'), file('no-ca.crt')), file('no.key'));
  t.equal(await failedPath(file('present.crt'), file('present.key'), file('no-ca.crt')), file('no-ca.crt'));
});
