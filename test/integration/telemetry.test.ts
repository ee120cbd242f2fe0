// OpenTelemetry as a collector and Prometheus see it: a real Shipshape process (started like
// `npm start`, with --import ./src/telemetry/register.ts) exports OTLP/HTTP JSON to a receiver in
// this process while kubectl goes through the real apiserver and its webhooks.
import { readFile } from 'node:fs/promises';
import { CoreV1Api } from '@kubernetes/client-node';
import { request } from 'node:https';
import { randomBytes, randomUUID } from 'node:crypto';
import t from 'tap';
import packageJson from '../../package.json' with { type: 'json' };
import { startDevEnvironment } from '../../src/dev/dev-environment.ts';
import { blockContent } from '../../src/docs/generated-blocks.ts';
import { MUTATE_PATH } from '../../src/constants.ts';
import { useNamespace } from '../helpers/control-plane.ts';
import { eventually } from '../helpers/eventually.ts';
import { kubectl } from '../helpers/kubectl.ts';
import { startOtlpGrpcReceiver } from '../helpers/otlp-grpc-receiver.ts';
import { type ReceivedSpan, latestPoint, startOtlpReceiver } from '../helpers/otlp-receiver.ts';
import { admissionReview, minimalWebApp } from '../helpers/server.ts';

const receiver = await startOtlpReceiver();
// kube-apiserver exports its own spans over OTLP/gRPC only.
const apiserverReceiver = await startOtlpGrpcReceiver();
const env = await startDevEnvironment({
  tracingEndpoint: apiserverReceiver.endpoint,
  env: {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=integration',
    OTEL_BSP_SCHEDULE_DELAY: '100',
    OTEL_METRIC_EXPORT_INTERVAL: '500',
  },
});
t.teardown(async () => {
  await env.stop();
  await receiver.close();
  await apiserverReceiver.close();
});
const replica = env.replicas[0]!;
const apply = (ns: string, name: string, spec: Record<string, unknown>) =>
  kubectl(
    env.cp.kubeconfigPath,
    ['apply', '-n', ns, '-f', '-'],
    JSON.stringify({ apiVersion: 'shipshape.dev/v1', kind: 'WebApp', metadata: { name }, spec }),
  );
const SERVER = 2;
const CLIENT = 3;

function admissionSpan(webhook: string, ns: string, name: string, allowed = true) {
  return eventually(`the admission ${webhook} span of ${ns}/${name}`, async () =>
    receiver.spans.find(
      (s) =>
        s.name === `admission ${webhook}` &&
        s.attributes['shipshape.admission.namespace'] === ns &&
        s.attributes['shipshape.admission.name'] === name &&
        s.attributes['shipshape.admission.allowed'] === allowed,
    ),
  );
}

async function scrape(): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${replica.metricsPort}/metrics`)).text();
  const totals = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{[^}]*\})? ([\d.e+-]+)$/.exec(line);
    if (match) totals.set(match[1]!, (totals.get(match[1]!) ?? 0) + Number(match[2]));
  }
  return totals;
}

t.test('kubectl apply: admission spans, a reconcile span tree, resource and metrics', async (t) => {
  const ns = await useNamespace(t, env.kc);
  const res = await apply(ns, 'shop', { image: 'nginx:1.27' });
  t.equal(res.code, 0, res.stderr);

  const mutate = await admissionSpan('mutate', ns, 'shop');
  t.equal(mutate.kind, SERVER, 'a SERVER span');
  t.match(mutate.attributes, {
    'shipshape.admission.webhook': 'mutate',
    'shipshape.admission.operation': 'CREATE',
    'shipshape.admission.kind': 'shipshape.dev/WebApp',
    'shipshape.admission.dry_run': false,
  });
  t.ok(Number(mutate.attributes['shipshape.admission.patch_operations']) > 0, 'the defaults are a patch');
  const validate = await admissionSpan('validate', ns, 'shop');
  t.match(validate.attributes, {
    'shipshape.admission.patch_operations': 0,
    'shipshape.admission.operation': 'CREATE',
  });
  t.match(mutate.resource, {
    'service.name': 'shipshape',
    'service.version': packageJson.version,
    'k8s.pod.name': replica.name,
    'k8s.namespace.name': 'shipshape-system',
    'deployment.environment.name': 'integration',
  });

  const isShop = (s: ReceivedSpan) =>
    s.name === 'reconcile webapp' &&
    s.attributes['shipshape.webapp.namespace'] === ns &&
    s.attributes['shipshape.webapp.name'] === 'shop';
  const created = (s: ReceivedSpan) => s.events.filter((e) => e.name === 'child created').length === 3;
  const reconcile = await eventually('the reconcile that created the children', async () =>
    receiver.spans.find((s) => isShop(s) && created(s)),
  );
  t.equal(reconcile.parentSpanId, '', 'a reconcile is a root span');
  t.match(reconcile.attributes, {
    'shipshape.webapp.generation': 1,
    'shipshape.reconcile.result': 'success',
    'shipshape.reconcile.requeue': true,
  });
  t.same(reconcile.events.map((e) => e.attributes['shipshape.object.kind']).sort(), [
    'ConfigMap',
    'Deployment',
    'Service',
  ]);
  // No 'patch WebApp': the mutating webhook set the finalizer with the create.
  const children = await eventually('its API call spans', async () => {
    const found = receiver.spans.filter((s) => s.parentSpanId === reconcile.spanId);
    return found.length >= 4 && found;
  });
  t.same(children.map((s) => s.name).sort(), [
    'apply ConfigMap',
    'apply Deployment',
    'apply Service',
    'patch WebApp/status',
  ]);
  for (const child of children) {
    t.equal(child.traceId, reconcile.traceId, `${child.name} is in the reconcile's trace`);
    t.equal(child.kind, CLIENT, `${child.name} is a CLIENT span`);
  }

  await eventually('the metrics, over OTLP', async () => {
    const p = receiver.points;
    const admitted = latestPoint(p, 'shipshape.admission.requests', {
      webhook: 'mutate',
      kind: 'WebApp',
      allowed: true,
    });
    const latency = latestPoint(p, 'shipshape.admission.duration', { webhook: 'validate' });
    const reconciles = latestPoint(p, 'shipshape.reconciles', { controller: 'webapp', result: 'success' });
    const createdDeployments = latestPoint(p, 'shipshape.reconcile.child_changes', {
      kind: 'Deployment',
      action: 'created',
    });
    const adds = latestPoint(p, 'shipshape.workqueue.adds', { name: 'webapp' });
    const at = (point: { value?: number; count?: number } | undefined) => point?.value ?? point?.count ?? 0;
    return (
      at(admitted) >= 1 &&
      at(latency) >= 1 &&
      latency!.explicitBounds![0]! < 0.001 &&
      at(reconciles) >= 1 &&
      at(createdDeployments) >= 1 &&
      at(adds) >= 1 &&
      at(latestPoint(p, 'shipshape.reconcile.duration')) >= 1 &&
      at(latestPoint(p, 'shipshape.workqueue.queue_duration')) >= 1 &&
      latestPoint(p, 'shipshape.workqueue.depth') !== undefined &&
      latestPoint(p, 'shipshape.leader')?.value === 1
    );
  });
  // The Deployment controller writes the Deployment's status (and its revision annotation) as
  // the rollout goes; none of that changes what we applied, so none of it is an "updated".
  await eventually('a reconcile that saw the rollout', async () => {
    const res = await kubectl(env.cp.kubeconfigPath, ['get', 'webapp', 'shop', '-n', ns, '-o', 'json']);
    return (
      res.code === 0 &&
      (JSON.parse(res.stdout) as { status?: { availableReplicas?: number } }).status?.availableReplicas === 1
    );
  });
  const exported = receiver.points.length;
  await eventually('the metrics exported after it', async () =>
    receiver.points
      .slice(exported)
      .some((p) => p.metric === 'shipshape.reconcile.child_changes' && p.attributes.kind === 'Deployment'),
  );
  t.equal(
    latestPoint(receiver.points, 'shipshape.reconcile.child_changes', { kind: 'Deployment', action: 'updated' }),
    undefined,
    'no Deployment updated: the WebApp never changed',
  );
  t.same(receiver.errors, [], 'every export decoded');
});

t.test('a denial: the reason on the span, the trace id in the log line', async (t) => {
  const ns = await useNamespace(t, env.kc);
  const res = await apply(ns, 'big', { image: 'nginx:1.27', replicas: 50 });
  t.not(res.code, 0);
  const span = await admissionSpan('validate', ns, 'big', false);
  t.match(span.attributes, {
    'shipshape.admission.denial_reason': /spec\.replicas: 50 exceeds the maximum of 10/,
    'shipshape.admission.status_code': 422,
  });
  const line = await eventually('the log line of the denial', async () => {
    const lines = (await readFile(replica.logPath, 'utf8')).split('\n').filter((l) => l.includes(ns));
    return lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === 'admission reviewed' && l.allowed === false);
  });
  t.equal(line.trace_id, span.traceId, 'the log line carries the trace id');
  t.equal(line.span_id, span.spanId, 'and the span id');
});

t.test('a traceparent header makes the admission span its child', async (t) => {
  const traceId = randomBytes(16).toString('hex');
  const parentId = randomBytes(8).toString('hex');
  const body = JSON.stringify(admissionReview(minimalWebApp(), { uid: randomUUID() }));
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(
      `${replica.baseUrl}${MUTATE_PATH}`,
      {
        method: 'POST',
        ca: env.certs.caPem,
        headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${parentId}-01` },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
  t.equal(status, 200);
  const span = await eventually('the span of that request', async () =>
    receiver.spans.find((s) => s.traceId === traceId),
  );
  t.equal(span.name, 'admission mutate');
  t.equal(span.traceId, traceId, 'in the caller’s trace');
  t.equal(span.parentSpanId, parentId, 'a child of the caller’s span');
});

t.test('kubectl apply: the admission span is a child of a span the real apiserver exported', async (t) => {
  const ns = await useNamespace(t, env.kc);
  const res = await apply(ns, 'traced', { image: 'nginx:1.27' });
  t.equal(res.code, 0, res.stderr);
  for (const webhook of ['mutate', 'validate']) {
    const ours = await admissionSpan(webhook, ns, 'traced');
    const parent = await eventually(`the apiserver span that called ${webhook}`, async () =>
      apiserverReceiver.spans.find((s) => s.spanId === ours.parentSpanId),
    );
    t.equal(parent.service, 'apiserver', `the ${webhook} span's parent was exported by kube-apiserver`);
    t.equal(parent.traceId, ours.traceId, 'in one trace');
    t.not(parent.parentSpanId, '', `its own parent is the apiserver's request span (${parent.name})`);
  }
});

t.test('the Prometheus endpoint shows admission and reconcile counters moving', async (t) => {
  const ns = await useNamespace(t, env.kc);
  const before = await scrape();
  t.equal(before.get('shipshape_leader'), 1, 'the leader gauge');
  t.equal((await apply(ns, 'scraped', { image: 'nginx:1.27' })).code, 0);
  const after = await eventually('both counters moved', async () => {
    const now = await scrape();
    const moved = (name: string) => (now.get(name) ?? 0) > (before.get(name) ?? 0);
    return moved('shipshape_admission_requests_total') && moved('shipshape_reconciles_total') && now;
  });
  t.ok(after.get('shipshape_admission_duration_count')! > (before.get('shipshape_admission_duration_count') ?? 0));
  const notFound = await fetch(`http://127.0.0.1:${replica.metricsPort}/`);
  t.equal(notFound.status, 404, 'only /metrics is served');
});

/** The metrics table of docs/telemetry.md (its `metrics` block): Prometheus name -> [type, sorted label names]. */
async function documentedMetrics(): Promise<Map<string, [string, string[]]>> {
  const page = await readFile(new URL('../../docs/telemetry.md', import.meta.url), 'utf8');
  const rows = new Map<string, [string, string[]]>();
  for (const line of blockContent(page, 'docs/telemetry.md', 'metrics').split('\n')) {
    const cells = /^\| `(shipshape_[a-z_]+)` +\| (\w+) +\| ([^|]+)\|/.exec(line);
    if (!cells) continue;
    const labels = cells[3]!.trim() === 'none' ? [] : [...cells[3]!.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!);
    rows.set(cells[1]!, [cells[2]!, labels.sort()]);
  }
  return rows;
}

/** What /metrics serves: each family's type and the label names its series carry. */
async function servedMetrics(): Promise<Map<string, [string, string[]]>> {
  const text = await (await fetch(`http://127.0.0.1:${replica.metricsPort}/metrics`)).text();
  const types = new Map<string, string>();
  const labels = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    const sample = /^([a-z_]+)(?:\{(.*)\})? \S+$/.exec(line);
    if (!sample) continue;
    const family = types.has(sample[1]!) ? sample[1]! : sample[1]!.replace(/_(bucket|sum|count)$/, '');
    const names = labels.get(family) ?? new Set<string>();
    for (const [, name] of (sample[2] ?? '').matchAll(/([a-z_]+)="/g)) {
      if (name !== 'le' && !name!.startsWith('otel_scope_')) names.add(name!);
    }
    labels.set(family, names);
  }
  return new Map(
    [...types]
      .filter(([name]) => name !== 'target_info')
      .map(([name, type]) => [name, [type, [...(labels.get(name) ?? [])].sort()]]),
  );
}

// Only served when they happen, and nothing here makes them happen: a watch restart (one may
// happen during the run; then its labels are checked as every other metric's); the container's
// memory limit, served only where one is found (a replica here is a process, not a container:
// test/e2e/install.test.ts reads it from the Pods of the image).
const NOT_MADE_HERE = ['shipshape_watch_restarts_total', 'shipshape_process_memory_limit'];

t.test("docs/telemetry.md's metrics table is what /metrics serves: names, types and labels", async (t) => {
  // Make the metrics that only appear once something happens: a limit violation that warn
  // enforcement admits, and a reconcile the apiserver refuses (a quota of no ConfigMaps).
  const warned = await useNamespace(t, env.kc);
  const core = env.kc.makeApiClient(CoreV1Api);
  await core.patchNamespace({
    name: warned,
    body: [{ op: 'add', path: '/metadata/annotations', value: { 'shipshape.dev/enforcement': 'warn' } }],
  });
  const quota = await useNamespace(t, env.kc);
  await core.createNamespacedResourceQuota({
    namespace: quota,
    body: { metadata: { name: 'no-configmaps' }, spec: { hard: { 'count/configmaps': '0' } } },
  });
  await eventually('warn enforcement is read from the Namespace', async () => {
    const res = await apply(warned, 'too-many', { image: 'nginx:1.27', replicas: 50 });
    return res.code === 0 && /Warning:/.test(res.stderr);
  });
  t.equal((await apply(quota, 'refused', { image: 'nginx:1.27', env: [{ name: 'A', value: 'b' }] })).code, 0);
  const served = await eventually('a reconcile error and a would-deny count are served', async () => {
    const now = await servedMetrics();
    return now.has('shipshape_reconcile_errors_total') && now.has('shipshape_admission_would_deny_total') && now;
  });
  const documented = await documentedMetrics();
  t.ok(documented.size >= 17, `the table has its rows (${documented.size})`);
  for (const [name, [type, labels]] of served) {
    t.strictSame(documented.get(name), [type, labels], `${name}: ${type} {${labels.join(', ')}} is documented so`);
  }
  const unserved = [...documented.keys()].filter((name) => !served.has(name));
  t.strictSame(
    unserved.filter((name) => !NOT_MADE_HERE.includes(name)),
    [],
    `every documented metric is served, but those nothing here makes (not served: ${unserved.join(', ') || 'none'})`,
  );
});
