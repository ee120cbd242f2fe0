// The metrics table (the `metrics` block of docs/telemetry.md) is rendered from the metric
// definitions, which are what the instruments are made from: with the SDK started as in
// production and every metric recorded once through Shipshape's own code, the Prometheus endpoint
// serves exactly the table's names, types, labels and descriptions (as HELP).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { pino } from 'pino';
import t from 'tap';
import { tableRows } from '../../helpers/markdown-table.ts';
import { renderMetricsTable, toPrometheusName } from '../../../src/docs/metrics-table.ts';
import { findFreePort } from '../../../src/net/free-port.ts';
import { METRIC_DEFINITIONS, type MetricDefinition } from '../../../src/telemetry/metric-definitions.ts';
import { createMetricsServer } from '../../../src/telemetry/metrics-server.ts';
import {
  countFailedTerm,
  setLeader,
  shipshapeMetrics,
  watchRestartCounter,
  workQueueMetrics,
} from '../../../src/telemetry/metrics.ts';
import { admissionMetrics, startTelemetry } from '../../../src/telemetry/sdk.ts';
import { createWouldDenyCounter } from '../../../src/telemetry/would-deny.ts';
import { createConversionTelemetry } from '../../../src/telemetry/conversion-telemetry.ts';
import { reviewConversion } from '../../../src/conversion/review-conversion.ts';
import { createProcessMetrics } from '../../../src/telemetry/process-metrics.ts';
import { readHeap } from '../../../src/runtime/memory-watch.ts';

startTelemetry({}, { spanProcessors: [] });
const port = await findFreePort();
const server = createMetricsServer({ host: '127.0.0.1', port, logger: pino({ level: 'silent' }) });
const stop = new AbortController();
const running = server.start(stop.signal);
await server.ready!(stop.signal);
t.teardown(() => {
  stop.abort();
  return running;
});

// Every metric once, through the code that records it in production.
const m = shipshapeMetrics();
admissionMetrics()!.record('validate', 'WebApp', 'CREATE', false, 403, 0.0002);
createWouldDenyCounter()('team-a', [
  { setting: 'max-replicas', reason: 'spec.replicas: 50 exceeds the maximum of 10' },
]);
// A ConversionReview's metrics, recorded by the conversion plugin's hooks just before its answer.
const conversion = reviewConversion(
  JSON.stringify({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'ConversionReview',
    request: { uid: 'u', desiredAPIVersion: 'shipshape.dev/v2', objects: [] },
  }),
);
createConversionTelemetry().record({} as FastifyRequest, { elapsedTime: 1 } as FastifyReply, conversion);
m.reconciles.add(1, { controller: 'webapp', result: 'success' });
m.reconcileDuration.record(0.01, { controller: 'webapp', result: 'success' });
m.reconcileErrors.add(1, { controller: 'webapp', reason: 'http_409' });
m.childChanges.add(1, { kind: 'Deployment', action: 'created' });
const queue = workQueueMetrics('webapp');
queue.onAdd!('ns/a');
queue.onGet!('ns/a', 5);
queue.onRetry!('ns/a');
queue.onDepth!(1);
watchRestartCounter()('/apis/shipshape.dev/v1/webapps', 'gone');
setLeader(true);
countFailedTerm();
m.setCertificateExpiry({ certificate: 'serving' }, 2_000_000_000);
m.setRenewalOverdue({ certificate: 'serving' }, 0);
m.setCaBundleVerified({ configuration: 'shipshape', kind: 'validating' }, 1);
const processMetrics = createProcessMetrics(readHeap, 512 * 1024 * 1024);
processMetrics.setHeapNearLimit(false);
processMetrics.setMemoryNearLimit(false);

type Family = { help?: string; type?: string; labels: Set<string> };

/** What /metrics serves: each family's HELP, TYPE and the label names of its series. */
async function served(): Promise<Map<string, Family>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const families = new Map<string, Family>();
  const family = (name: string) => families.get(name) ?? families.set(name, { labels: new Set() }).get(name)!;
  for (const line of text.split('\n')) {
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta) family(meta[2]!)[meta[1] === 'HELP' ? 'help' : 'type'] = meta[3]!;
    const sample = /^([a-z_]+)(?:\{(.*)\})? \S+$/.exec(line);
    if (!sample) continue;
    const name = families.get(sample[1]!)?.type ? sample[1]! : sample[1]!.replace(/_(bucket|sum|count)$/, '');
    for (const [, label] of (sample[2] ?? '').matchAll(/([a-z_]+)="/g)) {
      if (label !== 'le' && !label!.startsWith('otel_scope_')) family(name).labels.add(label!);
    }
  }
  families.delete('target_info');
  return families;
}

const PROMETHEUS_TYPE = { counter: 'counter', histogram: 'histogram', gauge: 'gauge', 'observable-gauge': 'gauge' };

t.test(
  'the endpoint serves every definition by its Prometheus name, type, labels and HELP, and no other',
  async (t) => {
    const families = await served();
    for (const d of METRIC_DEFINITIONS) {
      const name = toPrometheusName(d);
      t.strictSame(
        { ...families.get(name), labels: [...(families.get(name)?.labels ?? [])].sort() },
        { help: d.description, type: PROMETHEUS_TYPE[d.kind], labels: [...d.labels].sort() },
        `${d.name} is served as ${name}`,
      );
    }
    t.strictSame(
      [...families.keys()].sort(),
      METRIC_DEFINITIONS.map(toPrometheusName).sort(),
      'nothing is served that is not defined',
    );
  },
);

t.test('Prometheus names: dots to underscores, _total on counters, no unit suffix', async (t) => {
  const named = (name: string, kind: MetricDefinition['kind'], unit?: string) =>
    toPrometheusName({ name, kind, unit, description: '', labels: [] });
  t.equal(named('shipshape.admission.requests', 'counter'), 'shipshape_admission_requests_total');
  t.equal(named('shipshape.admission.duration', 'histogram', 's'), 'shipshape_admission_duration');
  t.equal(named('a.b_total', 'counter'), 'a_b_total');
  t.equal(named('a..b-c', 'observable-gauge'), 'a_b_c');
});

t.test('the table: one row per definition, in order, with its name, type, labels and description', async (t) => {
  const rows = tableRows(renderMetricsTable());
  t.strictSame(
    rows,
    METRIC_DEFINITIONS.map((d) => [
      `\`${toPrometheusName(d)}\``,
      PROMETHEUS_TYPE[d.kind],
      d.labels.length ? d.labels.map((l) => `\`${l}\``).join(', ') : 'none',
      d.description,
    ]),
  );
  t.match(renderMetricsTable().split('\n')[0], /^\| Metric +\| Type +\| Labels +\| What it counts +\|$/);
});

t.test('a description is plain text: the same in a HELP line and a Markdown cell', async (t) => {
  for (const d of METRIC_DEFINITIONS) t.notMatch(d.description, /[<>`*|[\]\\\n]/, d.name);
});

t.test('a changed definition shows in the table', async (t) => {
  const edited = METRIC_DEFINITIONS.map((d) => (d.name === 'shipshape.leader' ? { ...d, description: 'Leading' } : d));
  t.match(renderMetricsTable(edited), /\| `shipshape_leader` +\| gauge +\| none +\| Leading +\|/);
  t.notMatch(renderMetricsTable(), /Leading/);
});
