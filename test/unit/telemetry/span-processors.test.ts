// The span pipeline from the environment, by direct calls: which processors, which OTEL_BSP_* values.
import { BatchSpanProcessor, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import t from 'tap';
import { batchOptions, createSpanProcessors } from '../../../src/telemetry/span-processors.ts';

t.test('OTEL_BSP_*: numbers above 0 are used, anything else leaves the SDK default', async (t) => {
  t.same(
    batchOptions({
      OTEL_BSP_MAX_QUEUE_SIZE: '4096',
      OTEL_BSP_SCHEDULE_DELAY: ' 250 ',
      OTEL_BSP_EXPORT_TIMEOUT: '10000',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '1024',
    }),
    { maxQueueSize: 4096, scheduledDelayMillis: 250, exportTimeoutMillis: 10000, maxExportBatchSize: 1024 },
  );
  const unset = {
    maxQueueSize: undefined,
    scheduledDelayMillis: undefined,
    exportTimeoutMillis: undefined,
    maxExportBatchSize: undefined,
  };
  t.same(batchOptions({}), unset);
  t.same(
    batchOptions({
      OTEL_BSP_MAX_QUEUE_SIZE: '0',
      OTEL_BSP_SCHEDULE_DELAY: '-5',
      OTEL_BSP_EXPORT_TIMEOUT: 'soon',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '',
    }),
    unset,
    '0 would make the batch processor export empty batches forever',
  );
});

t.test('console spans one by one; otlp and zipkin in batches', async (t) => {
  const processors = createSpanProcessors({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1' }, [
    'otlp',
    'zipkin',
    'console',
  ]);
  t.equal(processors.length, 3);
  t.type(processors[0], BatchSpanProcessor);
  t.type(processors[1], BatchSpanProcessor);
  t.type(processors[2], SimpleSpanProcessor);
  t.same(createSpanProcessors({}, []), []);
  await Promise.all(processors.map((p) => p.shutdown()));
});
