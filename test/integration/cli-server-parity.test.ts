// `shipshape review` decides as the deployed webhooks do. For each fixture, three answers must
// agree: the CLI offline (--config with the server's settings), the CLI against the running
// server (--server), and kubectl apply --dry-run=server through the real apiserver and webhooks.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import t from 'tap';
import { KUBE_APISERVER } from '../../src/cli/review.ts';
import { VALIDATING_WEBHOOK_NAME } from '../../src/constants.ts';
import { startDevEnvironment } from '../../src/dev/dev-environment.ts';
import { sleep } from '../../src/runtime/sleep.ts';
import { useNamespace } from '../helpers/control-plane.ts';
import { kubectl } from '../helpers/kubectl.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../fixtures/cli/parity/', import.meta.url));
const CONFIG = `${FIXTURES}server-config.yaml`;

// The server gets the config file's settings as its environment, as a Deployment would give them.
const settings = parse(readFileSync(CONFIG, 'utf8')) as Record<string, string>;
const env = await startDevEnvironment({ env: settings });
t.teardown(() => env.stop());
const run = (args: string[]) => kubectl(env.cp.kubeconfigPath, args);

type OldManifest = { apiVersion: string; metadata: { name: string } };

type Result = {
  result: 'ALLOWED' | 'DENIED';
  operation: string;
  deniedBy?: string;
  message?: string;
  reasons: string[];
  warnings: string[];
  patch: unknown[];
  object: { metadata: { labels?: unknown }; spec: unknown };
};

async function review(args: string[]): Promise<{ code: number | null; result: Result; stderr: string }> {
  const child = spawn(process.execPath, [MAIN, 'review', '-o', 'json', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const report = JSON.parse(stdout || '{"results":[]}') as { results: Result[] };
  return { code, result: report.results[0]!, stderr };
}

type Row = {
  fixture: string;
  allowed: boolean;
  reasons: number;
  warnings: number;
  /** Annotations of the namespace: on the Namespace for the server, --namespace-annotations offline. */
  annotations?: Record<string, string>;
  /** Applied for real first, so that the fixture is an UPDATE of it. */
  old?: string;
  /** Refused by the apiserver itself (strict decoding, the CRD's schema), not by a webhook. */
  byApiserver?: boolean;
};

const LOWERED = { 'shipshape.dev/max-replicas': '2' };

const table: Row[] = [
  { fixture: 'minimal', allowed: true, reasons: 0, warnings: 0 },
  { fixture: 'complete', allowed: true, reasons: 0, warnings: 0 },
  { fixture: 'latest', allowed: true, reasons: 0, warnings: 1 },
  { fixture: 'untagged', allowed: true, reasons: 0, warnings: 1 },
  { fixture: 'capped-defaults', allowed: true, reasons: 0, warnings: 0 },
  { fixture: 'too-big', allowed: false, reasons: 2, warnings: 0 },
  { fixture: 'many-violations', allowed: false, reasons: 7, warnings: 0 },
  {
    fixture: 'namespace-override',
    allowed: true,
    reasons: 0,
    warnings: 2,
    annotations: {
      'shipshape.dev/min-port': '80',
      'shipshape.dev/max-replicas': '20',
      'shipshape.dev/max-port': 'lots',
    },
  },
  { fixture: 'grow-after', old: 'grow-before', allowed: false, reasons: 1, warnings: 0 },
  // The apiserver's own checks, before (decoding) and after (schema) the mutating webhook.
  { fixture: 'schema-replicas-string', allowed: false, reasons: 1, warnings: 0, byApiserver: true },
  { fixture: 'schema-replicas-negative', allowed: false, reasons: 1, warnings: 0, byApiserver: true },
  { fixture: 'schema-env', allowed: false, reasons: 1, warnings: 0, byApiserver: true },
  { fixture: 'schema-many', allowed: false, reasons: 5, warnings: 0, byApiserver: true },
  { fixture: 'schema-name', allowed: false, reasons: 1, warnings: 0, byApiserver: true },
  { fixture: 'unknown-field', allowed: false, reasons: 1, warnings: 0, byApiserver: true },
  // Ratcheting: stored with 3 replicas, then the namespace's max-replicas lowered to 2.
  { fixture: 'ratchet-label', old: 'ratchet-before', annotations: LOWERED, allowed: true, reasons: 0, warnings: 1 },
  { fixture: 'ratchet-image', old: 'ratchet-before', annotations: LOWERED, allowed: true, reasons: 0, warnings: 1 },
  { fixture: 'ratchet-grow', old: 'ratchet-before', annotations: LOWERED, allowed: false, reasons: 1, warnings: 0 },
  // WebApp v2 (#35): converted to v1 for the webhooks, judged and reported at v2 (decision 19).
  { fixture: 'v2-minimal', allowed: true, reasons: 0, warnings: 0 },
  { fixture: 'v2-complete', allowed: true, reasons: 0, warnings: 0 },
  { fixture: 'v2-second-port', allowed: false, reasons: 2, warnings: 0 },
  { fixture: 'v2-many-violations', allowed: false, reasons: 8, warnings: 0 },
  { fixture: 'v2-unknown-field', allowed: false, reasons: 1, warnings: 0, byApiserver: true },
  {
    fixture: 'v2-ratchet-label',
    old: 'v2-ratchet-before',
    annotations: LOWERED,
    allowed: true,
    reasons: 0,
    warnings: 1,
  },
  {
    fixture: 'v2-ratchet-grow',
    old: 'v2-ratchet-before',
    annotations: LOWERED,
    allowed: false,
    reasons: 1,
    warnings: 0,
  },
  // An UPDATE at v2 of an object stored at v1.
  { fixture: 'v2-update-of-v1', old: 'ratchet-before', annotations: LOWERED, allowed: true, reasons: 0, warnings: 1 },
];

const warningsOf = (stderr: string) => [...stderr.matchAll(/^Warning: (.*)$/gm)].map((m) => m[1]);

for (const row of table) {
  t.test(`${row.fixture}: the CLI, offline and against the server, decides as kubectl --dry-run=server`, async (t) => {
    const ns = await useNamespace(t, env.kc, 'parity');
    const file = `${FIXTURES}${row.fixture}.yaml`;
    const oldManifest = row.old && `${FIXTURES}${row.old}.yaml`;
    let old: string | undefined;
    if (oldManifest) {
      t.equal((await run(['apply', '-n', ns, '-f', oldManifest])).code, 0, 'the old object is stored');
      // --old is the object as stored (docs/cli.md: kubectl get -o yaml), read at its manifest's
      // version: defaulted by the webhook, which a manifest is not.
      const { apiVersion, metadata } = parse(readFileSync(oldManifest, 'utf8')) as OldManifest;
      const resource = `webapps.${apiVersion.split('/')[1]}.shipshape.dev`;
      const stored = await run(['get', resource, metadata.name, '-n', ns, '-o', 'yaml']);
      t.equal(stored.code, 0, `the stored object read ${stored.stderr}`);
      const dir = mkdtempSync(join(tmpdir(), 'shipshape-parity-'));
      t.teardown(() => rmSync(dir, { recursive: true, force: true }));
      old = join(dir, 'old.yaml');
      writeFileSync(old, stored.stdout);
    }
    const annotations = Object.entries(row.annotations ?? {}).map(([k, v]) => `${k}=${v}`);
    if (annotations.length) t.equal((await run(['annotate', 'namespace', ns, ...annotations])).code, 0);

    const dryRun = ['apply', '--dry-run=server', '-o', 'json', '-n', ns, '-f', file];
    let kube = await run(dryRun);
    // The server reads annotations from its watched cache: allow the watch event a moment.
    for (let i = 0; annotations.length && (kube.code === 0) !== row.allowed && i < 50; i++) {
      await sleep(200);
      kube = await run(dryRun);
    }
    const oldArgs = old ? ['--old', old] : [];
    const offline = await review([
      '-f',
      file,
      '--namespace',
      ns,
      '--config',
      CONFIG,
      ...oldArgs,
      ...(annotations.length ? ['--namespace-annotations', annotations.join(',')] : []),
    ]);
    const remote = await review([
      '-f',
      file,
      '--namespace',
      ns,
      '--server',
      env.replicas[0]!.baseUrl,
      '--ca',
      env.certs.caFile,
      ...oldArgs,
    ]);

    const verdict = row.allowed ? 'allowed' : 'denied';
    t.equal(kube.code === 0, row.allowed, `kubectl: ${verdict}`, { stderr: kube.stderr });
    t.equal(offline.code, row.allowed ? 0 : 1, `offline: ${verdict}`, { stderr: offline.stderr });
    t.equal(remote.code, row.allowed ? 0 : 1, `--server: ${verdict}`, { stderr: remote.stderr });
    t.equal(offline.result.result, row.allowed ? 'ALLOWED' : 'DENIED');
    t.equal(offline.result.operation, old ? 'UPDATE' : 'CREATE');
    t.equal(offline.result.reasons.length, row.reasons, 'every reason listed');
    t.equal(offline.result.warnings.length, row.warnings);

    if (row.allowed) {
      const stored = JSON.parse(kube.stdout) as Result['object'];
      t.strictSame(offline.result.object.spec, stored.spec, 'the defaulted spec is what the apiserver returns');
      t.strictSame(offline.result.object.metadata.labels, stored.metadata.labels, 'and so are the labels');
    } else if (row.byApiserver) {
      t.equal(offline.result.deniedBy, KUBE_APISERVER);
      // One error is printed on the line; several as a list, in an order that varies per request.
      if (offline.result.reasons.length === 1) t.match(kube.stderr, offline.result.message!, 'the same message');
      else t.equal([...kube.stderr.matchAll(/^\* /gm)].length, row.reasons, 'as many errors');
      for (const reason of offline.result.reasons) t.match(kube.stderr, reason, 'kubectl shows the reason');
    } else {
      t.match(
        kube.stderr,
        `admission webhook "${VALIDATING_WEBHOOK_NAME}" denied the request: ${offline.result.message}`,
      );
      for (const reason of offline.result.reasons) t.match(kube.stderr, reason, 'kubectl shows the reason');
    }
    t.strictSame(offline.result.warnings, warningsOf(kube.stderr), 'kubectl prints the same warnings');

    // Against the running server: the same AdmissionReviews give the same answers.
    t.strictSame(remote.result.patch, offline.result.patch, 'the same patch');
    t.equal(remote.result.result, offline.result.result);
    t.equal(remote.result.message, offline.result.message);
    t.strictSame(remote.result.warnings, offline.result.warnings);
    t.strictSame(remote.result.object, offline.result.object);
  });
}

t.test('--server checks the certificate: against --tls-server-name when given, exit 2 when it fails', async (t) => {
  const file = `${FIXTURES}minimal.yaml`;
  const { baseUrl } = env.replicas[0]!;
  const named = ['--server', baseUrl, '--ca', env.certs.caFile, '--tls-server-name', 'localhost'];
  t.equal((await review(['-f', file, ...named])).code, 0, 'the certificate names localhost');
  const wrong = ['--server', baseUrl, '--ca', env.certs.caFile, '--tls-server-name', 'shipshape.example'];
  const refused = await review(['-f', file, ...wrong]);
  t.equal(refused.code, 2);
  t.match(refused.stderr, /cannot POST to https:\/\/127\.0\.0\.1:\d+\/mutate-webapps: .*shipshape\.example/);
  const untrusted = await review(['-f', file, '--server', baseUrl]);
  t.equal(untrusted.code, 2, 'without --ca the dev certificate is not trusted');
  t.match(untrusted.stderr, /certificate.*\(is --ca the CA that signed its certificate\?\)/);
});
