// An oversized body over a real socket: the client gets its 413 denial and no write error, even
// when it keeps writing after the answer (the server reads the rest before answering), and with
// Connection: close as well as keep-alive; the conversion route's 413 Failure the same way.
import { Agent, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { CONVERT_PATH, VALIDATE_PATH } from '../../../src/constants.ts';
import { admissionReview, buildTestServer, minimalWebApp } from '../../helpers/server.ts';

const LIMIT = 3 * 1024 * 1024;
const app = await buildTestServer({ bodyLimit: LIMIT, conversionBodyLimit: LIMIT });
await app.listen({ host: '127.0.0.1', port: 0 });
t.teardown(() => app.close());
const { port } = app.server.address() as AddressInfo;

type Outcome = { code?: number; errors: string[] };

function post(body: Buffer | string, agent: Agent | false, path = VALIDATE_PATH): Promise<Outcome> {
  return new Promise((resolve) => {
    const outcome: Outcome = { errors: [] };
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', rejectUnauthorized: false, agent }, (res) => {
      let data = '';
      res.on('data', (d) => (data += d));
      // Errors after the answer count too: wait a little for a late EPIPE.
      res.on('end', () => {
        const { response } = JSON.parse(data);
        // An AdmissionReview's status.code, or a ConversionReview's result.code.
        outcome.code = (path === CONVERT_PATH ? response.result.code : response.status?.code) ?? 200;
        setTimeout(() => resolve(outcome), 20);
      });
    });
    req.setHeader('content-type', 'application/json');
    req.on('error', (err: NodeJS.ErrnoException) => {
      outcome.errors.push(err.code ?? err.message);
      setTimeout(() => resolve(outcome), 20);
    });
    req.end(body);
  });
}

for (const mode of ['Connection: close', 'keep-alive'] as const) {
  t.test(`10 MB bodies, ${mode}: every one gets the 413 denial, none a write error`, async (t) => {
    const agent =
      mode === 'keep-alive' ? new Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false }) : false;
    t.teardown(() => agent && agent.destroy());
    const body = Buffer.alloc(10 * 1024 * 1024, 'x');
    const outcomes: Outcome[] = [];
    for (let i = 0; i < 15; i++) outcomes.push(await post(body, agent));
    t.same(
      outcomes.flatMap((o) => o.errors),
      [],
      'no client error',
    );
    t.same(
      outcomes.map((o) => o.code),
      Array(15).fill(413),
      'fifteen 413 denials',
    );
    const ok = await post(JSON.stringify(admissionReview(minimalWebApp())), agent);
    t.equal(ok.code, 200, 'the same client is admitted next');
  });
}

t.test('a declared length past the drain bound is refused at once and the server goes on', async (t) => {
  const huge = Buffer.alloc(4 * LIMIT + 1024, 'x');
  const outcome = await post(huge, false);
  t.ok(outcome.code === 413 || outcome.errors.length > 0, 'refused (the client may see the close)');
  t.equal((await post(JSON.stringify(admissionReview(minimalWebApp())), false)).code, 200, 'still admits');
});

t.test(
  'the conversion route: bodies over its limit, within its drain bound (twice the limit), get the 413 Failure, none a write error',
  async (t) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
    t.teardown(() => agent.destroy());
    const body = Buffer.alloc(2 * LIMIT - 1024, 'x');
    const outcomes: Outcome[] = [];
    for (let i = 0; i < 5; i++) outcomes.push(await post(body, i % 2 === 0 ? agent : false, CONVERT_PATH));
    t.same(
      outcomes.flatMap((o) => o.errors),
      [],
      'no client error',
    );
    t.same(
      outcomes.map((o) => o.code),
      Array(5).fill(413),
      'five 413 Failures',
    );
  },
);
