// `review --cluster` and `review --audit-log` on WebApps written at v2 (issue #35), against the real
// apiserver and a real Shipshape: a WebApp created at v2 is previewed with v2's paths, the reasons
// kubectl gets for the same spec, and the writes the apiserver audited at v2 and v1 replay, none
// skipped as unreadable.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { parseAuditLog } from '../../src/cli/audit-log.ts';
import type { AuditReport } from '../../src/cli/audit-report.ts';
import type { ClusterReview } from '../../src/cli/cluster-review.ts';
import { startDevEnvironment } from '../../src/dev/dev-environment.ts';
import { useNamespace } from '../helpers/control-plane.ts';
import { eventually } from '../helpers/eventually.ts';
import { kubectl } from '../helpers/kubectl.ts';
import { type CommandResult, runCommand } from '../helpers/run-command.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const env = await startDevEnvironment({ audit: true });
t.teardown(() => env.stop());
const kubeconfig = env.cp.kubeconfigPath;
const run = (args: string[], input?: string) => kubectl(kubeconfig, args, input);
const auditLog = env.cp.auditLogPath!;
const settings = join(env.cp.dir, 'v2-settings.yaml');
await writeFile(settings, 'max-replicas: 3\ndenied-ports: 9000\n');

const shipshape = (args: string[]): Promise<CommandResult> =>
  runCommand(process.execPath, ['src/cli/main.ts', ...args], { cwd: ROOT });

const spec = {
  image: 'nginx:1.27',
  resources: { requests: { cpu: '100m' } },
  ports: [
    { name: 'http', containerPort: 8080, servicePort: 80 },
    { name: 'admin', containerPort: 9000 },
  ],
  autoscaling: { maxReplicas: 4 },
};
/** `kubectl patch --type merge` of the WebApp `web` in `ns`, made at `version`. */
const mergePatch = (ns: string, version: string, patch: object) =>
  run(['patch', `webapps.${version}.shipshape.dev`, 'web', '-n', ns, '--type', 'merge', '-p', JSON.stringify(patch)]);
const v2 = (name: string, body: Record<string, unknown>) =>
  JSON.stringify({ apiVersion: 'shipshape.dev/v2', kind: 'WebApp', metadata: { name }, spec: body });

t.test('--cluster judges a WebApp created at v2 at v2, with the reasons kubectl gives', async (t) => {
  const ns = await useNamespace(t, env.kc, 'v2-preview');
  t.equal((await run(['apply', '-n', ns, '-f', '-'], v2('scaled', spec))).code, 0, 'stored under the defaults');
  const res = await shipshape(['review', '--cluster', '-n', ns, '--kubeconfig', kubeconfig, '--config', settings]);
  t.equal(res.code, 1, res.stderr);
  const json = await shipshape([
    ...['review', '--cluster', '-n', ns, '--kubeconfig', kubeconfig, '--config', settings, '-o', 'json'],
  ]);
  const review = JSON.parse(json.stdout) as ClusterReview;
  const reasons = [
    'spec.ports[1].containerPort: 9000 is in the denied list (9000)',
    'spec.autoscaling.maxReplicas: 4 exceeds the maximum of 3',
  ];
  t.match(review.namespaces[0]!.webApps, [{ name: 'scaled', denied: true, reasons, trapped: false }]);

  // The cluster, with the same limits as the namespace's annotations: a create of the same spec.
  const annotate = ['annotate', 'namespace', ns, 'shipshape.dev/max-replicas=3', 'shipshape.dev/denied-ports=9000'];
  t.equal((await run(annotate)).code, 0);
  await eventually('the webhook denies the same spec under the annotations', async () => {
    const dry = await run(['apply', '--dry-run=server', '-n', ns, '-f', '-'], v2('again', spec));
    return dry.code !== 0 && reasons.every((r) => dry.stderr.includes(r));
  });
});

t.test('--audit-log replays writes made at v2 and at v1 at their own versions', async (t) => {
  const ns = await useNamespace(t, env.kc, 'v2-replay');
  t.equal((await run(['apply', '-n', ns, '-f', '-'], v2('web', { ...spec, ports: [spec.ports[0]] }))).code, 0);
  // A merge patch at v2 raising autoscaling further over the limit, then one at v1 of the image (the
  // stored object read at v1, its autoscaling in the annotation: kept, so ratcheted).
  const patched = await mergePatch(ns, 'v2', { spec: { autoscaling: { maxReplicas: 5 } } });
  t.equal(patched.code, 0, patched.stderr);
  const v1 = await mergePatch(ns, 'v1', { spec: { image: 'nginx:1.28' } });
  t.equal(v1.code, 0, v1.stderr);
  await eventually('the v1 patch is in the audit log', async () =>
    parseAuditLog(await readFile(auditLog, 'utf8'), auditLog).events.some(
      (e) => e.namespace === ns && e.verb === 'patch' && e.version === 'v1',
    ),
  );
  const res = await shipshape(['review', '--audit-log', auditLog, '-n', ns, '--config', settings, '-o', 'json']);
  const report = JSON.parse(res.stdout) as AuditReport;
  t.equal(report.creates, 1);
  t.ok(report.updates >= 2, 'both patches, and the reconciler writes');
  t.equal(report.updatesWithoutOld, 0);
  for (const why of Object.keys(report.skipped)) t.notMatch(why, /does not apply|unknown field|no object/);
  t.strictSame(
    report.wouldDeny.reasons.map((r) => r.reason),
    [
      'spec.autoscaling.maxReplicas: 4 exceeds the maximum of 3',
      'spec.autoscaling.maxReplicas: 5 exceeds the maximum of 3',
    ],
  );
});
