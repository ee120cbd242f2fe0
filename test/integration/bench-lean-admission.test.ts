// bench/lean-admission.ts prices Fastify by serving Shipshape's admission code without it; its
// figures mean something only while it answers exactly as Shipshape's server does. The process
// as bench:compare starts it, against buildServer's answers to the same bodies: the benchmark's
// review on both paths, a refused WebApp, and a body that is not JSON.
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { webAppCreateReview } from '../../bench/admission-review.ts';
import { startLeanAdmission } from '../../bench/servers.ts';
import { defaultPolicyConfig } from '../../src/config/config.ts';
import { MUTATE_PATH, VALIDATE_PATH } from '../../src/constants.ts';
import { writeDevCertificates } from '../../src/dev/dev-certificates.ts';
import { helmetHeaders } from '../../src/server/security-headers.ts';
import { admissionReview, buildTestServer, minimalWebApp } from '../helpers/server.ts';

const dir = await mkdtemp(join(tmpdir(), 'shipshape-lean-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));
const certs = await writeDevCertificates(join(dir, 'certs'));
const lean = await startLeanAdmission(certs, dir, [], process.env);
t.teardown(() => lean.stop());

const app = await buildTestServer({ policyConfig: defaultPolicyConfig() });
t.teardown(() => app.close());

type Answer = { status: number; body: string; headers: Record<string, string | string[] | undefined> };

function post(path: string, body: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const options = { method: 'POST', ca: certs.caPem, agent: false, headers: { 'content-type': 'application/json' } };
    const req = request(`${lean.baseUrl}${path}`, options, (res) => {
      let data = '';
      res.on('data', (chunk: Buffer) => (data += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const refused = JSON.stringify(admissionReview({ ...minimalWebApp(), spec: { image: 'nginx:1.27', replicas: 500 } }));
const bodies: [string, string, string, boolean][] = [
  ['the benchmark review, mutate', MUTATE_PATH, webAppCreateReview('00000000-0000-4000-8000-000000000001'), true],
  ['the benchmark review, validate', VALIDATE_PATH, webAppCreateReview('00000000-0000-4000-8000-000000000002'), true],
  ['a refused WebApp', VALIDATE_PATH, refused, false],
  ['a body that is not JSON', MUTATE_PATH, '{{{', false],
];

for (const [name, path, body, allowed] of bodies) {
  t.test(`${name}: the same answer as Shipshape's server`, async (t) => {
    const expected = await app.inject({
      method: 'POST',
      url: path,
      payload: body,
      headers: { 'content-type': 'application/json' },
    });
    const got = await post(path, body);
    t.equal(got.status, expected.statusCode, 'status');
    t.equal(got.body, expected.body, 'answer body, byte for byte');
    t.equal(got.headers['content-type'], expected.headers['content-type'], 'content type');
    t.equal((JSON.parse(got.body) as { response: { allowed: boolean } }).response.allowed, allowed, 'the decision');
  });
}

t.test("@fastify/helmet's headers, as Shipshape sends them", async (t) => {
  const got = await post(VALIDATE_PATH, webAppCreateReview('00000000-0000-4000-8000-000000000003'));
  const headers = await helmetHeaders();
  t.ok(Object.keys(headers).length >= 10, 'the table has the headers');
  for (const [header, value] of Object.entries(headers)) t.equal(got.headers[header], value, header);
});
