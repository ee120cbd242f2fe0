// Certificate health as an operator reads it: expiry series, the overdue-renewal warning, and
// whether a webhook configuration's caBundle verifies the served certificate.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import t from 'tap';
import { eventually } from '../../helpers/eventually.ts';
import { caBundleProblem } from '../../../src/kube/ca-bundle-check.ts';
import { createCertificateAuthority } from '../../../src/pki/certificates.ts';
import { createCertificateHealth } from '../../../src/tls/certificate-health.ts';
import { parseCertificates, renewalDueAt, toValidity, verifiesChain } from '../../../src/tls/certificate-chain.ts';

const DAY = 24 * 60 * 60 * 1000;
const ca = await createCertificateAuthority('health-ca', 90);
const otherCa = await createCertificateAuthority('other-ca', 90);
const leaf = await ca.issue({ commonName: 'webhook', hosts: ['127.0.0.1'], usage: 'server', validDays: 30 });

function recordingLogger() {
  const lines: { level: number; msg: string; [k: string]: unknown }[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

function recordingMetrics() {
  const series = new Map<string, number | undefined>();
  const overdue = new Map<string, number | undefined>();
  const into = (map: typeof series) => (attributes: object, value: number | undefined) =>
    map.set(JSON.stringify(attributes), value);
  return { series, overdue, metrics: { setCertificateExpiry: into(series), setRenewalOverdue: into(overdue) } };
}

t.test('renewal is due with a third of the validity left, or renewBefore', async (t) => {
  const validity = toValidity(parseCertificates(leaf.certPem)[0]!);
  const life = validity.notAfter.getTime() - validity.notBefore.getTime();
  t.equal(renewalDueAt(validity).getTime(), validity.notAfter.getTime() - life / 3);
  t.equal(renewalDueAt(validity, DAY).getTime(), validity.notAfter.getTime() - DAY);
});

t.test('a bundle verifies a leaf it signed, and not one another CA signed', async (t) => {
  const chain = parseCertificates(leaf.certPem);
  const now = new Date();
  t.same(verifiesChain(chain, parseCertificates(ca.certPem), now), { verified: true });
  const wrong = verifiesChain(chain, parseCertificates(otherCa.certPem), now);
  t.equal(wrong.verified, false);
  t.match(wrong, { reason: /no certificate of the caBundle signed CN=webhook/ });
  t.match(verifiesChain(chain, parseCertificates(ca.certPem), new Date(Date.now() + 31 * DAY)), {
    verified: false,
    reason: /CN=webhook is not valid now/,
  });
  // Both CAs in the bundle (cert-manager mid CA rotation): verifies.
  const both = parseCertificates(otherCa.certPem + ca.certPem);
  t.same(verifiesChain(chain, both, now), { verified: true });
});

t.test('caBundleProblem names the webhook whose bundle fails', async (t) => {
  const b64 = (pem: string) => Buffer.from(pem).toString('base64');
  const config = (bundles: (string | undefined)[]) => ({
    webhooks: bundles.map((caBundle, i) => ({
      name: `w${i}.shipshape.dev`,
      clientConfig: { ...(caBundle !== undefined && { caBundle }) },
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
    })),
  });
  const now = new Date();
  t.equal(caBundleProblem(config([b64(ca.certPem), b64(ca.certPem)]), leaf.certPem, now), undefined);
  t.match(caBundleProblem(config([b64(ca.certPem), b64(otherCa.certPem)]), leaf.certPem, now), /webhook w1\.shipshape/);
  t.match(caBundleProblem(config([undefined]), leaf.certPem, now), /w0\.shipshape\.dev has no caBundle/);
});

t.test('caBundleProblem on the CRD: its conversion webhook, when it has one', async (t) => {
  const b64 = (pem: string) => Buffer.from(pem).toString('base64');
  const crd = (caBundle?: string) => ({
    spec: {
      conversion: {
        strategy: 'Webhook',
        webhook: { clientConfig: { url: 'https://127.0.0.1/convert', ...(caBundle && { caBundle }) } },
      },
    },
  });
  const now = new Date();
  const kind = 'CustomResourceDefinition';
  t.equal(caBundleProblem(crd(b64(ca.certPem)), leaf.certPem, now, kind), undefined);
  t.match(caBundleProblem(crd(), leaf.certPem, now, kind), /^the conversion webhook has no caBundle$/);
  t.match(
    caBundleProblem(crd(b64(otherCa.certPem)), leaf.certPem, now, kind),
    /^the caBundle of the conversion webhook does not verify it/,
  );
  t.equal(caBundleProblem({ spec: { conversion: { strategy: 'None' } } }, leaf.certPem, now, kind), undefined);
});

t.test('expiry series for the served certificate and its CA; a warning once renewal is overdue', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'shipshape-health-'));
  const caFile = join(dir, 'ca.crt');
  await writeFile(caFile, ca.certPem);
  const { logger, lines } = recordingLogger();
  const { series, overdue, metrics } = recordingMetrics();
  let now = new Date();
  const health = createCertificateHealth({ logger, metrics, caFile, now: () => now, intervalMs: 10 });
  health.observe(leaf.certPem);
  const stop = new AbortController();
  const running = health.start(stop.signal);
  // The checks run every 10 ms; each wait below is for the state a check leaves, not a fixed time.
  const checked = () => series.has('{"certificate":"ca"}') && overdue.has('{"certificate":"serving"}');
  await eventually('the first check', async () => checked(), 5000);

  const servingNotAfter = toValidity(parseCertificates(leaf.certPem)[0]!).notAfter.getTime() / 1000;
  const caNotAfter = toValidity(parseCertificates(ca.certPem)[0]!).notAfter.getTime() / 1000;
  t.equal(series.get('{"certificate":"serving"}'), servingNotAfter, 'serving certificate expiry');
  t.equal(lines.filter((l) => l.level >= 40).length, 0, 'no warning while renewal is not due');
  t.equal(overdue.get('{"certificate":"serving"}'), 0, 'not overdue');

  now = new Date(Date.now() + 25 * DAY); // 5 of 30 days left: past the third
  await eventually('overdue', async () => overdue.get('{"certificate":"serving"}') === 1, 5000);
  await new Promise((r) => setTimeout(r, 50)); // more checks: still one warning
  t.equal(overdue.get('{"certificate":"serving"}'), 1, 'overdue');
  t.equal(overdue.get('{"certificate":"ca"}'), 0, 'the CA (90 days) is not');
  const warnings = lines.filter((l) => l.level === 40);
  t.equal(warnings.length, 1, 'one warning, not one per check');
  t.match(warnings[0], {
    msg: /renewal of the serving certificate is overdue/,
    certificate: 'serving',
    subject: 'CN=webhook',
    secondsLeft: Number,
  });

  now = new Date(Date.now() + 31 * DAY);
  await eventually('expired', async () => lines.some((l) => l.level === 50), 5000);
  t.match(
    lines.find((l) => l.level === 50),
    { msg: /the serving certificate has expired/ },
  );
  stop.abort();
  await running;
  t.equal(series.get('{"certificate":"ca"}'), caNotAfter, 'CA expiry');
  t.equal(series.get('{"certificate":"serving"}'), servingNotAfter);
});

t.test('a missing CA file gives no CA series and one log line', async (t) => {
  const { logger, lines } = recordingLogger();
  const { series, metrics } = recordingMetrics();
  const health = createCertificateHealth({ logger, metrics, caFile: '/nonexistent/ca.crt', intervalMs: 5 });
  const stop = new AbortController();
  const running = health.start(stop.signal);
  const read = () => lines.filter((l) => /CA certificate not read/.test(l.msg)).length;
  await eventually('the CA read', async () => read() > 0, 5000);
  await new Promise((r) => setTimeout(r, 40)); // more checks: still one line
  stop.abort();
  await running;
  t.equal(series.get('{"certificate":"ca"}'), undefined);
  t.equal(read(), 1);
});
