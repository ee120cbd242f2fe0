// The SDK as `node --import ./src/telemetry/register.ts` starts it, in child processes: what the
// standard OTEL_* variables turn on (read by NodeSDK, or by Shipshape for the parts it hands
// NodeSDK), that shutdown flushes, that no endpoint means no export and no output, that span
// batches reach the collector in slices. planTelemetry's decisions are checked directly.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import packageJson from '../../../package.json' with { type: 'json' };
import { baseResourceAttributes, planTelemetry } from '../../../src/telemetry/sdk.ts';
import { startOtlpReceiver } from '../../helpers/otlp-receiver.ts';

const register = new URL('../../../src/telemetry/register.ts', import.meta.url).href;
const sdkModule = new URL('../../../src/telemetry/sdk.ts', import.meta.url).href;
// One span and one counter, then the shutdown main.ts performs; long export delays, so only the
// shutdown flush can deliver them.
const probe = `
import { metrics, trace } from '@opentelemetry/api';
import { shutdownTelemetry } from ${JSON.stringify(sdkModule)};
trace.getTracer('probe').startSpan('probe-span').end();
metrics.getMeter('probe').createCounter('probe.count').add(2);
await shutdownTelemetry();
`;

async function runProbe(env: Record<string, string>, script = probe) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_')));
  const child = spawn(process.execPath, ['--import', register, '--input-type=module', '-e', script], {
    env: { ...clean, OTEL_BSP_SCHEDULE_DELAY: '60000', OTEL_METRIC_EXPORT_INTERVAL: '60000', ...env },
    cwd: new URL('../../../', import.meta.url),
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, output };
}

t.test('planTelemetry', async (t) => {
  t.same(planTelemetry({}), { enabled: true, traceExporters: [] }, 'no endpoint: nothing to export');
  t.same(planTelemetry({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'TRUE' }), {
    enabled: false,
    traceExporters: [],
  });
  t.match(planTelemetry({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }), {
    traceExporters: ['otlp'],
    otlpMetrics: { protocol: 'http/json', intervalMs: 60_000, timeoutMs: 30_000 },
  });
  t.match(planTelemetry({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' }), {
    traceExporters: ['otlp'],
    otlpMetrics: undefined,
  });
  t.match(
    planTelemetry({
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://c:4318/v1/metrics',
      OTEL_METRIC_EXPORT_INTERVAL: '5000',
      OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'grpc',
    }),
    { traceExporters: [], otlpMetrics: { protocol: 'grpc', intervalMs: 5000, timeoutMs: 5000 } },
  );
  t.same(planTelemetry({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c', OTEL_TRACES_EXPORTER: 'none' }).traceExporters, []);
  t.match(planTelemetry({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c', OTEL_METRICS_EXPORTER: 'none' }), {
    otlpMetrics: undefined,
  });
  t.same(planTelemetry({ OTEL_TRACES_EXPORTER: 'console' }).traceExporters, ['console'], 'console needs no endpoint');
  t.same(
    planTelemetry({ OTEL_TRACES_EXPORTER: 'otlp, console', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c' })
      .traceExporters,
    ['otlp', 'console'],
  );
  t.same(
    planTelemetry({ OTEL_TRACES_EXPORTER: 'otlp,console' }).traceExporters,
    ['console'],
    'otlp without an endpoint exports nothing, not to the SDK default localhost:4318',
  );
  t.same(planTelemetry({ OTEL_TRACES_EXPORTER: 'zipkin' }).traceExporters, ['zipkin'], 'zipkin, as sdk-node');
  t.same(
    planTelemetry({ OTEL_TRACES_EXPORTER: 'otlp,none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c' }).traceExporters,
    [],
  );
  t.match(
    planTelemetry({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c',
      OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: ' ',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
    }),
    { otlpMetrics: { protocol: 'grpc' } },
    'a blank per-signal protocol is unset',
  );
});

t.test('resource attributes: service.*, and k8s.* from the downward API when present', async (t) => {
  t.same(baseResourceAttributes({ POD_NAME: 'shipshape-7d9', POD_NAMESPACE: 'shipshape-system' }), {
    'service.name': 'shipshape',
    'service.version': packageJson.version,
    'k8s.pod.name': 'shipshape-7d9',
    'k8s.namespace.name': 'shipshape-system',
  });
  t.same(Object.keys(baseResourceAttributes({})), ['service.name', 'service.version']);
});

t.test('an endpoint: shutdown flushes the span and the metric; OTEL_* resource variables win', async (t) => {
  const receiver = await startOtlpReceiver();
  t.teardown(() => receiver.close());
  const { code, output } = await runProbe({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_SERVICE_NAME: 'shipshape-canary',
    OTEL_RESOURCE_ATTRIBUTES: 'k8s.cluster.name=east',
    POD_NAME: 'shipshape-0',
  });
  t.equal(code, 0, output);
  t.equal(output, '', 'nothing printed');
  const span = receiver.spans.find((s) => s.name === 'probe-span');
  t.ok(span, 'the span arrived');
  t.match(span?.resource, {
    'service.name': 'shipshape-canary',
    'service.version': packageJson.version,
    'k8s.pod.name': 'shipshape-0',
    'k8s.cluster.name': 'east',
  });
  t.equal(receiver.points.find((p) => p.metric === 'probe.count')?.value, 2, 'the metric arrived');
  t.same(receiver.errors, []);
});

t.test('OTEL_NODE_RESOURCE_DETECTORS, read by NodeSDK: host and process attributes only when detected', async (t) => {
  const resourceOf = async (env: Record<string, string>) => {
    const receiver = await startOtlpReceiver();
    t.teardown(() => receiver.close());
    const { code, output } = await runProbe({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      ...env,
    });
    t.equal(code, 0, output);
    return receiver.spans.find((s) => s.name === 'probe-span')?.resource ?? {};
  };
  const all = await resourceOf({});
  t.ok(all['host.name'] && all['process.pid'], 'by default: host.*, process.* as NodeSDK detects them');
  t.match(all, { 'service.name': 'shipshape', 'service.version': packageJson.version });
  const envOnly = await resourceOf({
    OTEL_NODE_RESOURCE_DETECTORS: 'env',
    OTEL_RESOURCE_ATTRIBUTES: 'k8s.cluster.name=east',
  });
  t.match(envOnly, { 'service.name': 'shipshape', 'k8s.cluster.name': 'east' });
  t.same([envOnly['host.name'], envOnly['process.pid']], [undefined, undefined], 'env: no host or process detection');
});

t.test('OTEL_BSP_* batches reach the collector in slices of 64, one request each', async (t) => {
  // Counts the spans of each OTLP/HTTP JSON trace request.
  const requests: number[] = [];
  const collector = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        type Doc = { resourceSpans?: { scopeSpans?: { spans?: unknown[] }[] }[] };
        const doc = JSON.parse(body) as Doc;
        const spans = (doc.resourceSpans ?? []).flatMap((r) => r.scopeSpans ?? []).flatMap((s) => s.spans ?? []);
        requests.push(spans.length);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => collector.close(resolve)));
  const { port } = collector.address() as AddressInfo;
  const script = `
import { trace } from '@opentelemetry/api';
import { shutdownTelemetry } from ${JSON.stringify(sdkModule)};
for (let i = 0; i < 130; i++) trace.getTracer('probe').startSpan('span-' + i).end();
await shutdownTelemetry();
`;
  const { code, output } = await runProbe(
    {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${port}/v1/traces`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '100',
    },
    script,
  );
  t.equal(code, 0, output);
  t.same(
    requests.sort((a, b) => b - a),
    [64, 36, 30],
    '130 spans: batches of 100 and 30, the first in two slices',
  );
});

t.test('OTEL_TRACES_EXPORTER=console: spans printed, no endpoint needed', async (t) => {
  const { code, output } = await runProbe({ OTEL_TRACES_EXPORTER: 'console' });
  t.equal(code, 0, output);
  t.match(output, /name: 'probe-span'/);
});

t.test('OTEL_TRACES_SAMPLER=always_off: no span, metrics still', async (t) => {
  const receiver = await startOtlpReceiver();
  t.teardown(() => receiver.close());
  const { code } = await runProbe({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_TRACES_SAMPLER: 'always_off',
  });
  t.equal(code, 0);
  t.equal(receiver.spans.length, 0);
  t.ok(receiver.points.some((p) => p.metric === 'probe.count'));
});

t.test('OTEL_SDK_DISABLED=true: nothing is exported', async (t) => {
  const receiver = await startOtlpReceiver();
  t.teardown(() => receiver.close());
  const { code, output } = await runProbe({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_SDK_DISABLED: 'true',
  });
  t.equal(code, 0, output);
  t.same([receiver.spans.length, receiver.points.length], [0, 0]);
});

t.test('no endpoint: nothing sent to the SDK default (localhost:4318), nothing printed', async (t) => {
  let requests = 0;
  const fallback = createServer((req, res) => {
    requests++;
    res.end('{}');
  });
  const listening = await new Promise<boolean>((resolve) => {
    fallback.once('error', () => resolve(false));
    fallback.listen(4318, '127.0.0.1', () => resolve(true));
  });
  t.teardown(() => new Promise((resolve) => fallback.close(resolve)));
  const { code, output } = await runProbe({});
  t.equal(code, 0);
  t.equal(output, '', 'no export error is logged');
  if (listening) t.equal(requests, 0, 'no request reached localhost:4318');
  else t.comment('port 4318 is taken here; only the silence was checked');
});

t.test('OTEL_PROPAGATORS: tracecontext by default, b3 and b3multi as sdk-node offers them', async (t) => {
  // A span made current and injected into a carrier: the headers a propagator writes.
  const inject = `
import { context, propagation, trace } from '@opentelemetry/api';
const span = trace.getTracer('probe').startSpan('probe-span');
const carrier = {};
propagation.inject(trace.setSpan(context.active(), span), carrier);
console.log(JSON.stringify(Object.keys(carrier).sort()));
`;
  const headers = async (env: Record<string, string>) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_')));
    // An endpoint, so the span is recorded; nothing is exported before the process exits.
    const child = spawn(process.execPath, ['--import', register, '--input-type=module', '-e', inject], {
      env: { ...clean, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_BSP_SCHEDULE_DELAY: '60000', ...env },
      cwd: new URL('../../../', import.meta.url),
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    await new Promise((resolve) => child.on('close', resolve));
    return JSON.parse(output.trim().split('\n').at(-1) ?? '[]') as string[];
  };
  t.same(await headers({}), ['traceparent']);
  t.same(await headers({ OTEL_PROPAGATORS: 'b3' }), ['b3']);
  t.same(await headers({ OTEL_PROPAGATORS: 'b3multi' }), ['x-b3-sampled', 'x-b3-spanid', 'x-b3-traceid']);
  t.same(await headers({ OTEL_PROPAGATORS: 'tracecontext,b3' }), ['b3', 'traceparent']);
});
