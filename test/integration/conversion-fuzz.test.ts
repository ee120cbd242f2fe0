// Hostile ConversionReviews against a real Shipshape process over HTTPS (fast-check, issue #35):
// generated reviews of WebApps at both versions, sometimes a LIST's worth, mutated, corrupted as
// bytes and sent with wrong content types (test/helpers/hostile-conversion.ts). The process never
// crashes, the conversion route answers every POST with HTTP 200 and a ConversionReview that is
// whole (every object converted with its metadata, or a Failure with a code and none), other
// methods and paths get a 4xx, and a review the apiserver could send always converts. The replica
// runs with a 4 MiB conversion limit, so the corpus's largest splices cross it over real sockets.
// SHIPSHAPE_FUZZ_RUNS sets the count (default 1,000); SHIPSHAPE_FUZZ_SEED replays one.
import { Agent } from 'node:https';
import fc from 'fast-check';
import t from 'tap';
import { CONVERT_PATH } from '../../src/constants.ts';
import { startDevEnvironment } from '../../src/dev/dev-environment.ts';
import type { HostileRequest } from '../helpers/hostile-admission.ts';
import { CLOSED, checkAgainstReplica, processMemoryMiB, sendHostileRequest } from '../helpers/hostile-client.ts';
import { conversionAnswerProblem, hostileConversionRequest } from '../helpers/hostile-conversion.ts';

const RUNS = Number(process.env.SHIPSHAPE_FUZZ_RUNS ?? 1000);
const SEED = process.env.SHIPSHAPE_FUZZ_SEED === undefined ? Date.now() | 0 : Number(process.env.SHIPSHAPE_FUZZ_SEED);
const LIMIT = 4 * 1024 * 1024;
/** As admission-fuzz.test.ts: the Deployment's 512Mi less the compiled server's idle RSS. */
const HEADROOM_MIB = 512 - 160;

const env = await startDevEnvironment({
  nodes: 0,
  env: { NODE_OPTIONS: '--max-old-space-size=320', SHIPSHAPE_CONVERSION_BODY_LIMIT_BYTES: String(LIMIT) },
});
t.teardown(() => env.stop());
const shipshape = env.replicas[0]!;

const send = (agent: Agent, req: Omit<HostileRequest, 'mutations'>) =>
  sendHostileRequest(shipshape.baseUrl, agent, req);
const memoryMiB = () => processMemoryMiB(shipshape.pid);

const review = (objects: unknown[]) =>
  Buffer.from(
    JSON.stringify({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'ConversionReview',
      request: { uid: 'c0ffee00-0000-4000-8000-00000000c0de', desiredAPIVersion: 'shipshape.dev/v2', objects },
    }),
  );
const webApp = (name: string) => ({
  apiVersion: 'shipshape.dev/v1',
  kind: 'WebApp',
  metadata: { name, namespace: 'team-a' },
  spec: { image: 'nginx:1.27', port: 8080 },
});

t.test(`${RUNS} hostile ConversionReviews (seed ${SEED})`, async (t) => {
  const agent = new Agent({ keepAlive: true, maxSockets: 4, ca: env.certs.caPem });
  t.teardown(() => agent.destroy());
  const tally = new Map<string, number>();
  const bump = (key: string) => tally.set(key, (tally.get(key) ?? 0) + 1);
  const before = await memoryMiB();
  const started = Date.now();
  const property = fc.asyncProperty(hostileConversionRequest, async (req) => {
    const answer = await send(agent, req);
    if (answer.status === CLOSED && req.body.length > LIMIT) return void bump('closed on an oversized body');
    const problem =
      answer.status === CLOSED
        ? `the connection broke: ${answer.body}`
        : conversionAnswerProblem(req, answer.status, answer.body, LIMIT, bump);
    if (problem) {
      const sent = req.body.subarray(0, 400).toString();
      throw new Error(
        `${problem}\n  ${req.method} ${req.path} (${req.contentType}) ${req.mutations.join(', ')}\n  sent (${req.body.length} B): ${sent}\n  got: ${answer.status} ${answer.body.slice(0, 400)}`,
      );
    }
  });
  const result = await checkAgainstReplica(property, RUNS, SEED);
  const after = await memoryMiB();
  t.comment(
    `${result.numRuns} cases in ${((Date.now() - started) / 1000).toFixed(1)} s; answers ${JSON.stringify(Object.fromEntries([...tally].sort()))}`,
  );
  t.comment(`RSS MiB: before ${before.rss.toFixed(0)}, after ${after.rss.toFixed(0)}, peak ${after.peak.toFixed(0)}`);
  t.notOk(
    result.failed,
    result.failed ? (fc.defaultReportMessage(result) ?? 'failed') : 'every answer was whole and well formed',
  );
  t.ok((tally.get('Success') ?? 0) > 0, 'some reviews converted');
  t.ok(shipshape.isRunning(), 'the process is still running');
  t.ok(after.peak - before.rss < HEADROOM_MIB, `peak RSS ${(after.peak - before.rss).toFixed(0)} MiB above the start`);
});

t.test('a LIST over the limit: a 413 Failure read whole, then the next review converts', async (t) => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: env.certs.caPem });
  t.teardown(() => agent.destroy());
  const objects = Array.from({ length: 40_000 }, (_, i) => webApp(`app-${i}`));
  const big = review(objects);
  t.ok(big.length > LIMIT && big.length < 2 * LIMIT, `${big.length} bytes, within the drain bound`);
  const refused = await send(agent, { method: 'POST', path: CONVERT_PATH, contentType: 'application/json', body: big });
  t.equal(refused.status, 200, 'no reset: the rest of the body was read before the answer');
  t.match(JSON.parse(refused.body).response.result, {
    status: 'Failure',
    code: 413,
    message: `CONV_BODY_TOO_LARGE: the request body exceeds ${LIMIT} bytes`,
  });
  const page = review(objects.slice(0, 5_000));
  const ok = await send(agent, { method: 'POST', path: CONVERT_PATH, contentType: 'application/json', body: page });
  const response = JSON.parse(ok.body).response;
  t.equal(response.result.status, 'Success');
  t.equal(response.convertedObjects.length, 5_000, 'every object of a page under the limit');
});
