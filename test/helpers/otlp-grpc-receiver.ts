// A real OTLP/gRPC trace receiver in the test process, for kube-apiserver: its tracing exports
// only over gRPC (TracingConfiguration's `endpoint` is host:port). Decodes the part of
// ExportTraceServiceRequest the tests read (trace and span ids, parent, name, kind, resource
// attributes) with a schema written here from opentelemetry-proto's field numbers; protobufjs
// skips every field it does not declare.
import { Server, ServerCredentials, type ServiceDefinition, type sendUnaryData } from '@grpc/grpc-js';
import protobuf from 'protobufjs';

export type ApiserverSpan = {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client. */
  kind: number;
  /** The resource's `service.name` (kube-apiserver reports "apiserver"). */
  service: string;
};

const root = protobuf.Root.fromJSON({
  nested: {
    AnyValue: { fields: { stringValue: { type: 'string', id: 1 } } },
    KeyValue: { fields: { key: { type: 'string', id: 1 }, value: { type: 'AnyValue', id: 2 } } },
    Resource: { fields: { attributes: { rule: 'repeated', type: 'KeyValue', id: 1 } } },
    Span: {
      fields: {
        traceId: { type: 'bytes', id: 1 },
        spanId: { type: 'bytes', id: 2 },
        parentSpanId: { type: 'bytes', id: 4 },
        name: { type: 'string', id: 5 },
        kind: { type: 'int32', id: 6 },
      },
    },
    ScopeSpans: { fields: { spans: { rule: 'repeated', type: 'Span', id: 2 } } },
    ResourceSpans: {
      fields: {
        resource: { type: 'Resource', id: 1 },
        scopeSpans: { rule: 'repeated', type: 'ScopeSpans', id: 2 },
      },
    },
    ExportTraceServiceRequest: { fields: { resourceSpans: { rule: 'repeated', type: 'ResourceSpans', id: 1 } } },
  },
});
const ExportRequest = root.lookupType('ExportTraceServiceRequest');

type Decoded = {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value?: { stringValue?: string } }[] };
    scopeSpans?: {
      spans?: { traceId: Buffer; spanId: Buffer; parentSpanId?: Buffer; name: string; kind?: number }[];
    }[];
  }[];
};

function toSpans(request: Decoded): ApiserverSpan[] {
  const out: ApiserverSpan[] = [];
  for (const rs of request.resourceSpans ?? []) {
    const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value?.stringValue ?? '';
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          traceId: Buffer.from(s.traceId).toString('hex'),
          spanId: Buffer.from(s.spanId).toString('hex'),
          parentSpanId: s.parentSpanId ? Buffer.from(s.parentSpanId).toString('hex') : '',
          name: s.name,
          kind: s.kind ?? 0,
          service,
        });
      }
    }
  }
  return out;
}

export type OtlpGrpcReceiver = {
  /** host:port, for TracingConfiguration's `endpoint`. */
  endpoint: string;
  spans: ApiserverSpan[];
  close(): Promise<void>;
};

export async function startOtlpGrpcReceiver(): Promise<OtlpGrpcReceiver> {
  const spans: ApiserverSpan[] = [];
  const service: ServiceDefinition = {
    Export: {
      path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      requestStream: false,
      responseStream: false,
      requestDeserialize: (bytes: Buffer) => ExportRequest.toObject(ExportRequest.decode(bytes)) as Decoded,
      // ExportTraceServiceResponse with no partial_success: the empty message.
      responseSerialize: () => Buffer.alloc(0),
      requestSerialize: () => Buffer.alloc(0),
      responseDeserialize: () => ({}),
    },
  };
  const server = new Server();
  server.addService(service, {
    Export: (call: { request: Decoded }, callback: sendUnaryData<object>) => {
      spans.push(...toSpans(call.request));
      callback(null, {});
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    endpoint: `127.0.0.1:${port}`,
    spans,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
      }),
  };
}
