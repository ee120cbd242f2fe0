// `npm start` without what it needs: the real process exits 2 at once with one line on stderr
// naming what is missing, before it connects anywhere or listens.
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

function start(env: NodeJS.ProcessEnv) {
  const inherited = { ...process.env };
  delete inherited.KUBECONFIG;
  const child = spawn(process.execPath, [MAIN], {
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
}

const dir = await mkdtemp(join(tmpdir(), 'shipshape-start-'));

t.test('no kubeconfig and no in-cluster configuration: exit 2, one line', async (t) => {
  const started = Date.now();
  const result = await start({ HOME: dir });
  t.equal(result.code, 2);
  t.equal(
    result.stderr,
    'shipshape: START_NO_CLUSTER: no Kubernetes cluster configured: set KUBECONFIG to a kubeconfig file (or create ~/.kube/config), or run in a Pod with a service account token at /var/run/secrets/kubernetes.io/serviceaccount/token\n',
  );
  t.ok(Date.now() - started < 10_000, 'at once, not after retries');
});

t.test('no certificate files: exit 2, naming the setting', async (t) => {
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, 'apiVersion: v1\nkind: Config\n');
  const result = await start({ KUBECONFIG: kubeconfig, HOME: dir });
  t.equal(result.code, 2);
  t.match(
    result.stderr,
    /^shipshape: START_NO_CERTIFICATE: no serving certificate: SHIPSHAPE_TLS_CERT_FILE \(--tls-cert-file\) = "\/tls\/tls\.crt" does not exist; give the PEM certificate and key with --tls-cert-file and --tls-key-file/,
  );
  t.equal(result.stderr.split('\n').length, 2, 'one line');
  t.equal(result.stdout, '', 'no JSON log and no stack');
});
