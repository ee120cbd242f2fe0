import type { FastifyInstance } from 'fastify';

export type ReadinessCheck = { name: string; ready(): boolean };

/** /healthz: the process serves. /readyz: every check passes (never leadership). */
export async function healthPlugin(app: FastifyInstance, options: { checks: ReadinessCheck[] }): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, res) => {
    const failing = options.checks.filter((c) => !c.ready()).map((c) => c.name);
    if (failing.length) return res.code(503).send({ status: 'not ready', failing });
    return { status: 'ok' };
  });
}
