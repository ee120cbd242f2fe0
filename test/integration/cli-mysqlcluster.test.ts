// `shipshape review --cluster` on MySQLClusters (issue #36), against the real apiserver and a real
// Shipshape: the MySQLClusters the cluster stores, listed at v1alpha1 beside the WebApps, previewed
// under lower limits with the reasons kubectl gets for the same spec once the limits are the
// namespace's; the same clusters allowed under the settings they were stored with. A user who may
// list WebApps but not MySQLClusters gets the WebApps' review and a warning.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import type { ClusterReview } from '../../src/cli/cluster-review.ts';
import { startDevEnvironment } from '../../src/dev/dev-environment.ts';
import { useNamespace } from '../helpers/control-plane.ts';
import { eventually } from '../helpers/eventually.ts';
import { kubectl } from '../helpers/kubectl.ts';
import { type CommandResult, runCommand } from '../helpers/run-command.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const env = await startDevEnvironment();
t.teardown(() => env.stop());
const kubeconfig = env.cp.kubeconfigPath;
const run = (args: string[], input?: string) => kubectl(kubeconfig, args, input);
const settings = join(env.cp.dir, 'mysql-settings.yaml');
await writeFile(settings, 'mysql-max-replicas: 2\nmysql-max-storage-per-cluster: 200Gi\n');

const shipshape = (args: string[]): Promise<CommandResult> =>
  runCommand(process.execPath, ['src/cli/main.ts', ...args], { cwd: ROOT });

const cluster = (name: string, spec: object) =>
  JSON.stringify({ apiVersion: 'shipshape.dev/v1alpha1', kind: 'MySQLCluster', metadata: { name }, spec });
const webApp = JSON.stringify({
  apiVersion: 'shipshape.dev/v1',
  kind: 'WebApp',
  metadata: { name: 'web' },
  spec: { image: 'nginx:1.27', replicas: 2, resources: { requests: { cpu: '100m' } } },
});
const big = { replicas: 3, storage: { size: '100Gi' } };
const reasons = [
  'spec.replicas: 3 exceeds the maximum of 2',
  'spec.storage.size: 3 x 100Gi = 300Gi exceeds the maximum of 200Gi per cluster (spec.replicas x spec.storage.size)',
];

t.test('--cluster judges the stored MySQLClusters under lower limits, with the reasons kubectl gives', async (t) => {
  const ns = await useNamespace(t, env.kc, 'mysql-preview');
  for (const manifest of [cluster('orders', big), cluster('carts', {}), webApp]) {
    const applied = await run(['apply', '-n', ns, '-f', '-'], manifest);
    t.equal(applied.code, 0, `stored under the defaults: ${applied.stderr}`);
  }
  const review = ['review', '--cluster', '-n', ns, '--kubeconfig', kubeconfig];

  const today = await shipshape(review);
  t.equal(today.code, 0, today.stderr);
  t.match(today.stdout, `\n1 WebApp in 1 namespace reviewed as updates of themselves: 1 allowed, 0 denied.\n`);
  t.match(today.stdout, `2 MySQLClusters in 1 namespace reviewed as updates of themselves: 2 allowed, 0 denied.\n`);

  const lower = await shipshape([...review, '--config', settings]);
  t.equal(lower.code, 1, lower.stderr);
  t.equal(lower.stderr, '');
  t.match(lower.stdout, `  DENIED   MySQLCluster ${ns}/orders\n    reason: ${reasons[0]}\n    reason: ${reasons[1]}\n`);
  t.notMatch(lower.stdout, `${ns}/carts`, 'an allowed cluster without warnings is only counted');

  const json = JSON.parse((await shipshape([...review, '--config', settings, '-o', 'json'])).stdout) as ClusterReview;
  t.match(json.namespaces, [
    {
      namespace: ns,
      webApps: [{ name: 'web', denied: false }],
      mysqlClusters: [
        { name: 'carts', denied: false, reasons: [], trapped: false },
        { name: 'orders', denied: true, reasons, trapped: false, warnings: [] },
      ],
      mysqlClustersDeleting: [],
    },
  ]);
  t.strictSame(json.summary.mysqlClusters, { namespaces: 1, reviewed: 2, allowed: 1, denied: 1, deleting: 0 });

  // The same limits as the namespace's annotations: the webhook denies a create of the same spec
  // with those reasons, and the review reads the annotations without --config.
  const annotate = [
    ...['annotate', 'namespace', ns],
    ...['shipshape.dev/mysql-max-replicas=2', 'shipshape.dev/mysql-max-storage-per-cluster=200Gi'],
  ];
  t.equal((await run(annotate)).code, 0);
  await eventually('the webhook denies the same spec under the annotations', async () => {
    const dry = await run(['apply', '--dry-run=server', '-n', ns, '-f', '-'], cluster('again', big));
    return dry.code !== 0 && reasons.every((r) => dry.stderr.includes(r));
  });
  const annotated = await shipshape(review);
  t.equal(annotated.code, 1, annotated.stderr);
  t.match(annotated.stdout, `  DENIED   MySQLCluster ${ns}/orders\n`);

  // Ratcheting admits an update that keeps the stored values, as the review says.
  const update = await run(['label', 'mysqlcluster', 'orders', '-n', ns, 'tier=gold']);
  t.equal(update.code, 0, update.stderr);
  t.match(update.stderr, 'allowed because the stored object already has this value');
});

t.test('a user forbidden to list MySQLClusters gets the WebApps reviewed and a warning', async (t) => {
  const ns = await useNamespace(t, env.kc, 'mysql-forbidden');
  for (const manifest of [cluster('orders', big), webApp]) {
    t.equal((await run(['apply', '-n', ns, '-f', '-'], manifest)).code, 0);
  }
  // Named after the namespace: ClusterRoles outlive it.
  const role = `webapp-reviewers-${ns}`;
  const rbac = [
    ['create', 'clusterrole', role, '--verb=list', '--resource=webapps.shipshape.dev'],
    ['create', 'clusterrolebinding', role, `--clusterrole=${role}`, `--group=${role}`],
    ['create', 'role', 'read-namespace', '-n', ns, '--verb=get', '--resource=namespaces'],
  ];
  for (const args of rbac) t.equal((await run(args)).code, 0, args.join(' '));
  t.teardown(async () => {
    await run(['delete', 'clusterrolebinding', role, '--ignore-not-found']);
    await run(['delete', 'clusterrole', role, '--ignore-not-found']);
  });
  const reviewer = await env.cp.issueKubeconfig(`reviewer-${ns}`, undefined, [role]);
  const res = await shipshape(['review', '--cluster', '-n', ns, '--kubeconfig', reviewer, '--config', settings]);
  t.equal(res.code, 0, res.stderr);
  t.match(res.stderr, 'warning: mysqlclusters.shipshape.dev: forbidden to list them (403); MySQLClusters not reviewed');
  t.match(res.stdout, '\n1 WebApp in 1 namespace reviewed as updates of themselves: 1 allowed, 0 denied.\n');
  t.notMatch(res.stdout, 'MySQLCluster');
});
