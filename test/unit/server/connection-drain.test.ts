// While the process drains (src/server/connection-drain.ts), every webhook answer closes its
// connection, the conversion webhook's as much as admission's: the apiserver keeps a connection
// pool per webhook, and a rolling restart fails a v2 read as surely as a create when a kept-alive
// connection is closed under it (test/integration/conversion-rollout.test.ts, where without the
// shutdown delay admissions failed with "broken pipe" and the 503 of a closing Fastify). Answers
// that are Failures (an oversized conversion body, a malformed AdmissionReview) close too.
import t from 'tap';
import { CONVERT_PATH, MUTATE_PATH, VALIDATE_PATH } from '../../../src/constants.ts';
import { admissionReview, buildTestServer, minimalWebApp } from '../../helpers/server.ts';

let draining = false;
const CONVERSION_LIMIT = 64 * 1024;
const app = await buildTestServer({ conversionBodyLimit: CONVERSION_LIMIT, draining: () => draining });
t.teardown(() => app.close());

const conversionReview = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'ConversionReview',
  request: { uid: 'u-1', desiredAPIVersion: 'shipshape.dev/v2', objects: [minimalWebApp()] },
};
const requests = [
  { name: 'a conversion', url: CONVERT_PATH, payload: JSON.stringify(conversionReview), status: 'Success' },
  {
    name: 'a refused conversion body',
    url: CONVERT_PATH,
    payload: 'x'.repeat(CONVERSION_LIMIT + 1),
    status: 'Failure',
  },
  { name: 'a mutation', url: MUTATE_PATH, payload: JSON.stringify(admissionReview(minimalWebApp())) },
  { name: 'a validation', url: VALIDATE_PATH, payload: JSON.stringify(admissionReview(minimalWebApp())) },
  { name: 'a malformed AdmissionReview', url: VALIDATE_PATH, payload: '{' },
];

for (const phase of [false, true]) {
  t.test(phase ? 'while draining: every answer closes its connection' : 'before: connections are kept', async (t) => {
    draining = phase;
    for (const { name, url, payload, status } of requests) {
      const res = await app.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json' } });
      t.equal(res.statusCode, 200, `${name}: HTTP 200`);
      if (status) t.equal(res.json().response.result.status, status, `${name}: a ${status}`);
      if (phase) t.equal(res.headers.connection, 'close', `${name}: Connection: close`);
      else t.not(res.headers.connection, 'close', `${name}: no Connection: close`);
    }
  });
}
