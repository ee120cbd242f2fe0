// Changing a limit safely, against the real apiserver and a real Shipshape: `review --cluster`
// previews the stored WebApps, `review --audit-log` replays what the apiserver recorded, and a
// namespace in `warn` enforcement admits with a warning what `enforce` then denies.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test as Tap } from 'tap';
import { parseAuditLog } from '../../src/cli/audit-log.ts';
import type { AuditReport } from '../../src/cli/audit-report.ts';
import type { ClusterReview } from '../../src/cli/cluster-review.ts';
import { startDevEnvironment } from '../../src/dev/dev-environment.ts';
import { useNamespace } from '../helpers/control-plane.ts';
import { eventually } from '../helpers/eventually.ts';
import { kubectl } from '../helpers/kubectl.ts';
import { scrapeTotals } from '../helpers/prometheus.ts';
import { type CommandResult, runCommand } from '../helpers/run-command.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const env = await startDevEnvironment({ audit: true });
t.teardown(() => env.stop());
const kc = env.kc;
const kubeconfig = env.cp.kubeconfigPath;
const run = (args: string[], input?: string) => kubectl(kubeconfig, args, input);
const auditLog = env.cp.auditLogPath!;
const max5 = join(env.cp.dir, 'max-replicas-5.yaml');
await writeFile(max5, 'max-replicas: 5\n');

const webApp = (name: string, spec: Record<string, unknown>) =>
  JSON.stringify({
    apiVersion: 'shipshape.dev/v1',
    kind: 'WebApp',
    metadata: { name },
    spec: { image: 'nginx:1.27', ...spec },
  });

type Run = CommandResult;
/** `shipshape` as a user runs it, from the repository root. */
function shipshape(args: string[]): Promise<Run> {
  return runCommand(process.execPath, ['src/cli/main.ts', ...args], { cwd: ROOT });
}

async function applied(t: Tap, ns: string, name: string, spec: Record<string, unknown>) {
  const res = await run(['apply', '-n', ns, '-f', '-'], webApp(name, spec));
  t.equal(res.code, 0, `${ns}/${name} applied: ${res.stderr}`);
}

t.test('--cluster reports exactly the stored WebApps the new settings deny', async (t) => {
  const a = await useNamespace(t, kc, 'preview-a');
  const b = await useNamespace(t, kc, 'preview-b');
  for (const [name, replicas] of [
    ['three', 3],
    ['six', 6],
    ['eight', 8],
  ] as const)
    await applied(t, a, name, { replicas });
  for (const [name, replicas] of [
    ['seven', 7],
    ['nine', 9],
  ] as const)
    await applied(t, b, name, { replicas });
  // The override comes after they were stored, as a lowered limit would.
  t.equal((await run(['annotate', 'namespace', b, 'shipshape.dev/max-replicas=8'])).code, 0);

  const all = await shipshape([
    'review',
    '--cluster',
    '-A',
    '--config',
    max5,
    '--kubeconfig',
    kubeconfig,
    '-o',
    'json',
  ]);
  t.equal(all.code, 1, all.stderr);
  const review = JSON.parse(all.stdout) as ClusterReview;
  const ours = review.namespaces.filter((n) => n.namespace === a || n.namespace === b);
  t.strictSame(
    ours.flatMap((n) => n.webApps.filter((w) => w.denied).map((w) => [`${n.namespace}/${w.name}`, w.reasons])),
    [
      [`${a}/eight`, ['spec.replicas: 8 exceeds the maximum of 5']],
      [`${a}/six`, ['spec.replicas: 6 exceeds the maximum of 5']],
      [`${b}/nine`, ['spec.replicas: 9 exceeds the maximum of 8']],
    ],
    "exactly these, with the Namespace's override applied",
  );
  t.strictSame(
    ours.map((n) => n.webApps.length),
    [3, 2],
    'every stored WebApp was judged',
  );

  const one = await shipshape(['review', '--cluster', '-n', a, '--config', max5, '--kubeconfig', kubeconfig]);
  t.equal(one.code, 1, one.stderr);
  t.match(one.stdout, `namespace ${a} (enforcement: enforce): 2 of 3 denied`);
  t.match(one.stdout, `  DENIED   WebApp ${a}/eight\n    reason: spec.replicas: 8 exceeds the maximum of 5\n`);
  t.match(one.stdout, '3 WebApps in 1 namespace reviewed as updates of themselves: 1 allowed, 2 denied');
  t.notMatch(one.stdout, `${a}/three`);

  const today = await shipshape(['review', '--cluster', '-n', a, '--kubeconfig', kubeconfig]);
  t.equal(today.code, 0, 'the settings in force deny none of them');
});

t.test('an audit log the apiserver wrote is replayed: the counts match the applies made', async (t) => {
  const ns = await useNamespace(t, kc, 'replay');
  await applied(t, ns, 'web', { replicas: 3 }); // create: allowed then and now
  await applied(t, ns, 'web', { replicas: 6 }); // patch: allowed then, denied with max 5
  const big = await run(['apply', '-n', ns, '-f', '-'], webApp('big', { replicas: 12 })); // denied then and now
  t.not(big.code, 0);
  await applied(t, ns, 'web', { replicas: 4 }); // patch: allowed
  // update: denied with max 5. Read and replace until no write of the reconciler came between
  // (a 409 is not replayed: it failed whatever the settings).
  await eventually('replaced with replicas 7', async () => {
    // At v1, as the applies: kubectl's unqualified `webapp` is v2, and a replace at v2 is audited at
    // v2, which the CLI's replay does not read yet (#35).
    const stored = JSON.parse((await run(['get', 'webapps.v1.shipshape.dev', 'web', '-n', ns, '-o', 'json'])).stdout);
    stored.spec.replicas = 7;
    return (await run(['replace', '-f', '-'], JSON.stringify(stored))).code === 0;
  });
  const dry = await run(['apply', '--dry-run=server', '-n', ns, '-f', '-'], webApp('draft', { replicas: 9 }));
  t.equal(dry.code, 0, dry.stderr);
  await eventually('the dry run is in the audit log', async () =>
    parseAuditLog(await readFile(auditLog, 'utf8'), auditLog).events.some((e) => e.namespace === ns && e.dryRun),
  );

  const res = await shipshape(['review', '--audit-log', auditLog, '-n', ns, '--config', max5, '-o', 'json']);
  t.equal(res.code, 1, res.stderr);
  const report = JSON.parse(res.stdout) as AuditReport;
  t.equal(report.creates, 2, 'web and big');
  t.ok(report.updates >= 3, 'the three changes of web, and the finalizer patch of the reconciler');
  t.equal(report.updatesWithoutOld, 0, 'every update found its stored object in the log');
  const { 'a dry run': dryRuns, ...others } = report.skipped;
  t.equal(dryRuns, 1);
  for (const why of Object.keys(others)) {
    t.match(why, /^failed then for another reason than admission/, 'only replaces the reconciler raced');
  }

  t.equal(report.wouldDeny.count, 3);
  t.strictSame(
    report.wouldDeny.reasons.map((r) => [r.reason, r.count]),
    [
      ['spec.replicas: 12 exceeds the maximum of 5', 1],
      ['spec.replicas: 6 exceeds the maximum of 5', 1],
      ['spec.replicas: 7 exceeds the maximum of 5', 1],
    ],
  );
  t.strictSame(report.wouldDeny.namespaces, { [ns]: 3 });
  t.equal(
    Object.values(report.wouldDeny.users).reduce((a, b) => a + b, 0),
    3,
  );
  t.ok(report.wouldDeny.first! < report.wouldDeny.last!, 'first and last time');
  t.equal(report.deniedThen.count, 1);
  t.strictSame(
    report.deniedThen.reasons.map((r) => r.reason),
    ['spec.replicas: 12 exceeds the maximum of 10'],
  );
  t.match(report, { newlyDenied: 2, deniedThenAndNow: 1, deniedThenAllowedNow: 0 });

  const text = await shipshape(['review', '--audit-log', auditLog, '-n', ns, '--config', max5]);
  t.match(text.stdout, /Would be denied with these settings: 3 of \d+/);
  t.match(text.stdout, 'Denied then: 1 of ');
});

const WOULD_DENY =
  /^Warning: (.+?) \(limit [a-z-]+\); this request would be denied under enforcement \(namespace annotation shipshape\.dev\/enforcement is warn\)$/gm;

t.test(
  'warn stores an over-limit WebApp with warnings and counts it; enforce then denies it the same way',
  async (t) => {
    const ns = await useNamespace(t, kc, 'warn');
    const manifest = webApp('big', { replicas: 12, port: 80 });
    t.equal((await run(['annotate', 'namespace', ns, 'shipshape.dev/enforcement=warn'])).code, 0);
    // The webhook reads annotations from its watched cache: wait until a dry run is admitted.
    await eventually(
      'the webhook sees warn',
      async () => (await run(['apply', '--dry-run=server', '-n', ns, '-f', '-'], manifest)).code === 0,
    );
    const port = env.replicas[0]!.metricsPort;
    const inNamespace = (labels: string) => labels.includes(`namespace="${ns}"`);
    const before = (await scrapeTotals(port, inNamespace)).get('shipshape_admission_would_deny_total') ?? 0;

    const res = await run(['apply', '-n', ns, '-f', '-'], manifest);
    t.equal(res.code, 0, res.stderr);
    const warned = [...res.stderr.matchAll(WOULD_DENY)].map((m) => m[1]);
    t.strictSame(warned, ['spec.replicas: 12 exceeds the maximum of 10', 'spec.port: 80 is below the minimum of 1024']);
    t.match(
      res.stderr,
      'Warning: spec.replicas: 12 exceeds the maximum of 10 (limit max-replicas); this request would be denied under enforcement',
    );
    // At v1, the version written: kubectl's unqualified `webapp` is v2, which has no service.port.
    const stored = JSON.parse((await run(['get', 'webapps.v1.shipshape.dev', 'big', '-n', ns, '-o', 'json'])).stdout);
    t.equal(stored.spec.replicas, 12, 'stored as written');
    t.equal(stored.spec.service.port, 80, 'defaults still applied');

    const after = (await scrapeTotals(port, inNamespace)).get('shipshape_admission_would_deny_total');
    t.equal(after, before + 2, 'one count per limit broken');
    const byReason = await scrapeTotals(port, (l) => inNamespace(l) && l.includes('reason="max-replicas"'));
    t.ok((byReason.get('shipshape_admission_would_deny_total') ?? 0) >= 1, 'by reason');

    const condition = await eventually(
      'the reconciler reports the violation',
      async () => {
        const w = JSON.parse((await run(['get', 'webapp', 'big', '-n', ns, '-o', 'json'])).stdout);
        return w.status?.conditions?.find((c: { type: string }) => c.type === 'WithinLimits');
      },
      30_000,
    );
    t.match(condition, {
      status: 'False',
      reason: 'LimitExceeded',
      message:
        'spec.replicas: 12 exceeds the maximum of 10; spec.port: 80 is below the minimum of 1024; admitted under warn enforcement: under enforce, a create or a change of these values is denied',
    });
    const deployment = await eventually(
      'reconciled all the same',
      async () => {
        const got = await run(['get', 'deployment', 'big', '-n', ns, '-o', 'json']);
        return got.code === 0 && JSON.parse(got.stdout);
      },
      30_000,
    );
    t.equal(deployment.spec.replicas, 12);

    // The same apply under enforce: the object goes first (a delete is never denied), then the
    // annotation changes, and once the webhook sees it the apply fails with the same reasons.
    t.equal((await run(['delete', 'webapp', 'big', '-n', ns, '--wait=true', '--timeout=60s'])).code, 0);
    t.equal((await run(['annotate', '--overwrite', 'namespace', ns, 'shipshape.dev/enforcement=enforce'])).code, 0);
    await eventually(
      'the webhook sees enforce',
      async () => (await run(['apply', '--dry-run=server', '-n', ns, '-f', '-'], manifest)).code !== 0,
    );
    const denied = await run(['apply', '-n', ns, '-f', '-'], manifest);
    t.not(denied.code, 0);
    t.match(
      denied.stderr,
      /admission webhook "validate\.webapps\.shipshape\.dev" denied the request: WebApp "big" is invalid: /,
    );
    const reasons = /WebApp "big" is invalid: (.*)$/m.exec(denied.stderr)?.[1]?.split('; ');
    t.strictSame(reasons, warned, 'the reasons the warnings named');
    t.notMatch(denied.stderr, 'would be denied under enforcement');
    t.match((await run(['get', 'webapp', 'big', '-n', ns])).stderr, /NotFound/);
  },
);
