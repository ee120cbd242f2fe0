// The Prometheus scrape endpoint: GET /metrics on its own plain-HTTP port, beside the HTTPS webhook
// port. A bare node:http server rather than a second Fastify instance: it serves one path, and
// needs none of Fastify's routing, hooks or security headers. In the Manager's `servers` group: it
// listens before the caches and the election start.
import { once } from 'node:events';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { Logger } from 'pino';
import { aborted } from '../runtime/aborted.ts';
import { createReadyLatch } from '../runtime/ready-latch.ts';
import type { Runnable } from '../runtime/runnable.ts';
import { prometheusExporter } from './sdk.ts';

export type MetricsServerOptions = {
  host: string;
  /** 0 turns the endpoint off. */
  port: number;
  logger: Logger;
};

export type MetricsServer = Runnable & {
  /** The port once listening; undefined while off. */
  port(): number | undefined;
};

/**
 * A Runnable that serves the SDK's Prometheus reader until its signal aborts. With telemetry
 * disabled (OTEL_SDK_DISABLED=true) or port 0, it listens on nothing and just waits. A port that
 * cannot be bound rejects start(), which stops the process: a scrape target that silently is not
 * there is worse than a failed start.
 */
export function createMetricsServer(options: MetricsServerOptions): MetricsServer {
  let bound: number | undefined;
  const listening = createReadyLatch();
  return {
    needsLeaderElection: false,
    port: () => bound,
    group: 'servers',
    /** Once listening, or at once when the endpoint is off. */
    ready: listening.ready,
    async start(signal) {
      const exporter = prometheusExporter();
      if (options.port === 0 || !exporter || signal.aborted) {
        if (options.port !== 0 && !exporter) options.logger.info('metrics endpoint off: telemetry is disabled');
        listening.open();
        await aborted(signal);
        return;
      }
      const server = createServer((req: IncomingMessage, res: ServerResponse) => {
        const path = (req.url ?? '/').split('?')[0];
        if (path === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) {
          exporter.getMetricsRequestHandler(req, res);
        } else {
          res.statusCode = 404;
          res.end('not found: the metrics are at /metrics\n');
        }
      });
      server.listen({ host: options.host, port: options.port });
      await once(server, 'listening'); // rejects on 'error' (EADDRINUSE, EACCES)
      server.on('error', (err) => options.logger.error({ err }, 'metrics endpoint failed'));
      bound = options.port;
      listening.open();
      options.logger.info({ host: options.host, port: bound }, 'metrics endpoint listening at /metrics');
      await aborted(signal);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
