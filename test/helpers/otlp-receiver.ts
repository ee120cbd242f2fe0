// A real OTLP/HTTP receiver in the test process: POST /v1/traces and /v1/metrics with the
// `http/json` encoding (OTEL_EXPORTER_OTLP_PROTOCOL=http/json), decoded into flat spans and
// metric points so tests assert what a collector would receive.
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

type KeyValue = { key: string; value: AnyValue };
type AnyValue = {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
};
type Attrs = Record<string, string | number | boolean | unknown[] | undefined>;

export type ReceivedSpan = {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: Attrs;
  events: { name: string; attributes: Attrs }[];
  status: { code?: number; message?: string };
  resource: Attrs;
  scope: string;
  /** When the span started, in nanoseconds since the epoch (the slices of a batch may arrive out of order). */
  startTimeUnixNano: bigint;
};

export type ReceivedPoint = {
  metric: string;
  type: 'sum' | 'gauge' | 'histogram';
  unit: string;
  attributes: Attrs;
  /** Sums and gauges. */
  value?: number;
  /** Histograms. */
  count?: number;
  explicitBounds?: number[];
  resource: Attrs;
};

function toValue(v: AnyValue | undefined): Attrs[string] {
  if (!v) return undefined;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(toValue);
  return v.stringValue ?? v.boolValue ?? v.doubleValue;
}
const toAttrs = (kvs: KeyValue[] | undefined): Attrs =>
  Object.fromEntries((kvs ?? []).map((kv) => [kv.key, toValue(kv.value)]));

/* eslint-disable @typescript-eslint/no-explicit-any -- the OTLP JSON documents, walked once */
function decodeTraces(body: any, into: ReceivedSpan[]): void {
  for (const rs of body.resourceSpans ?? []) {
    const resource = toAttrs(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        into.push({
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId ?? '',
          name: s.name,
          kind: s.kind,
          attributes: toAttrs(s.attributes),
          events: (s.events ?? []).map((e: any) => ({ name: e.name, attributes: toAttrs(e.attributes) })),
          status: s.status ?? {},
          resource,
          scope: ss.scope?.name ?? '',
          startTimeUnixNano: BigInt(s.startTimeUnixNano ?? 0),
        });
      }
    }
  }
}

function decodeMetrics(body: any, into: ReceivedPoint[]): void {
  for (const rm of body.resourceMetrics ?? []) {
    const resource = toAttrs(rm.resource?.attributes);
    for (const sm of rm.scopeMetrics ?? []) {
      for (const m of sm.metrics ?? []) {
        const type = m.sum ? 'sum' : m.gauge ? 'gauge' : m.histogram ? 'histogram' : undefined;
        if (!type) continue;
        for (const p of m[type].dataPoints ?? []) {
          into.push({
            metric: m.name,
            type,
            unit: m.unit ?? '',
            attributes: toAttrs(p.attributes),
            ...(type === 'histogram'
              ? { count: Number(p.count), explicitBounds: p.explicitBounds ?? [] }
              : { value: Number(p.asInt ?? p.asDouble ?? 0) }),
            resource,
          });
        }
      }
    }
  }
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export type OtlpReceiver = {
  /** For OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  spans: ReceivedSpan[];
  /** Every data point of every export, oldest first (cumulative: the last one is current). */
  points: ReceivedPoint[];
  /** Request bodies that could not be decoded; a test should expect none. */
  errors: string[];
  close(): Promise<void>;
};

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const points: ReceivedPoint[] = [];
  const errors: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString() || '{}');
        if (req.url === '/v1/traces') decodeTraces(body, spans);
        else if (req.url === '/v1/metrics') decodeMetrics(body, points);
      } catch (err) {
        errors.push(`${req.url} (${req.headers['content-type']}): ${String(err)}`);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    points,
    errors,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The latest point of `metric` whose attributes include `attributes`. */
export function latestPoint(
  points: ReceivedPoint[],
  metric: string,
  attributes: Attrs = {},
): ReceivedPoint | undefined {
  return points.findLast(
    (p) => p.metric === metric && Object.entries(attributes).every(([k, v]) => p.attributes[k] === v),
  );
}
