// Certificate health as an operator sees it on a real replica: expiry metrics of the served
// certificate and its CA, a logged overdue renewal, and a caBundle that stops verifying the served
// certificate showing up as a metric, a logged condition and (with --require-ca-bundle) /readyz:
// a webhook configuration's, and the WebApp CRD's conversion webhook's (#35).
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { get } from 'node:https';
import { AdmissionregistrationV1Api } from '@kubernetes/client-node';
import t from 'tap';
import { VALIDATING_CONFIGURATION_NAME, WEBAPP_CRD_NAME } from '../../src/constants.ts';
import { startDevEnvironment } from '../../src/dev/dev-environment.ts';
import { type CaBundleObject, WEBAPP_CRD_REF, caBundleFields, objectPath } from '../../src/kube/ca-bundle-targets.ts';
import { createJsonClient } from '../../src/kube/json-client.ts';
import { createCertificateAuthority } from '../../src/pki/certificates.ts';
import { eventually } from '../helpers/eventually.ts';
import { scrapeTotals } from '../helpers/prometheus.ts';

const THIRTY_ONE_DAYS = 31 * 24 * 3600;
const env = await startDevEnvironment({
  nodes: 0,
  env: {
    SHIPSHAPE_REQUIRE_CA_BUNDLE: 'true',
    // The dev certificate is valid for 30 days: renewing 31 days before expiry is overdue at once.
    SHIPSHAPE_TLS_RENEW_BEFORE_SECONDS: String(THIRTY_ONE_DAYS),
  },
});
t.teardown(() => env.stop());
const shipshape = env.replicas[0]!;
const metric = async (name: string, labels: RegExp) =>
  (await scrapeTotals(shipshape.metricsPort, (l) => labels.test(l))).get(name);
const notAfter = async (file: string) => new X509Certificate(await readFile(file)).validToDate.getTime() / 1000;

t.test('the expiry of the served certificate and of its CA are metrics', async (t) => {
  const expiry = 'shipshape_tls_certificate_expiration_timestamp_seconds';
  t.equal(await metric(expiry, /certificate="serving"/), await notAfter(env.certs.certFile), 'serving');
  t.equal(await metric(expiry, /certificate="ca"/), await notAfter(env.certs.caFile), 'CA');
  t.equal(await metric('shipshape_tls_certificate_renewal_overdue', /certificate="serving"/), 1, 'serving overdue');
  t.equal(await metric('shipshape_tls_certificate_renewal_overdue', /certificate="ca"/), 0, 'CA not (a third left)');
  t.match(
    await shipshape.tail(200),
    /"certificate":"serving".*renewal of the serving certificate is overdue/,
    'the overdue renewal is logged as a warning',
  );
});

t.test('a caBundle that does not verify the served certificate: metric, condition, not ready', async (t) => {
  const verified = 'shipshape_tls_ca_bundle_verified';
  await eventually('both configurations and the CRD verified', async () => (await metric(verified, /./)) === 3);
  t.equal(await metric(verified, /./), 3, 'both configurations and the CRD verify');
  t.equal((await fetchReadyz()).status, 200, 'ready');

  const api = env.kc.makeApiClient(AdmissionregistrationV1Api);
  const original = await api.readValidatingWebhookConfiguration({ name: VALIDATING_CONFIGURATION_NAME });
  const stranger = await createCertificateAuthority('not-the-serving-ca');
  const setBundle = async (pem: string) => {
    const current = await api.readValidatingWebhookConfiguration({ name: VALIDATING_CONFIGURATION_NAME });
    for (const w of current.webhooks ?? []) w.clientConfig.caBundle = Buffer.from(pem).toString('base64');
    await api.replaceValidatingWebhookConfiguration({ name: VALIDATING_CONFIGURATION_NAME, body: current });
  };
  await setBundle(stranger.certPem);
  t.teardown(() => setBundle(env.certs.caPem));

  const validating = new RegExp(`configuration="${VALIDATING_CONFIGURATION_NAME}"`);
  await eventually('the validating bundle fails', async () => (await metric(verified, validating)) === 0);
  t.equal(await metric(verified, validating), 0, 'its metric is 0');
  t.equal(await metric(verified, /configuration="shipshape-defaults"/), 1, 'the mutating one still verifies');
  const log = await shipshape.tail(200);
  t.match(log, /"type":"CABundleVerified","status":"False","kind":"ValidatingWebhookConfiguration"/, 'condition');
  t.match(log, /no certificate of the caBundle signed CN=shipshape-webhook/, 'with the reason');
  const res = await fetchReadyz();
  t.equal(res.status, 503, '/readyz fails');
  t.same(res.body.failing, ['ca-bundle'], 'naming the check');

  // Restored, as cainjector would: ready again.
  const restored = original.webhooks![0]!.clientConfig.caBundle!;
  await setBundle(Buffer.from(restored, 'base64').toString('utf8'));
  await eventually('ready again', async () => (await fetchReadyz()).status === 200);
  t.equal((await fetchReadyz()).status, 200, 'ready again');
  t.equal(await metric(verified, /./), 3, 'all three verify again');
  t.match(
    await shipshape.tail(50),
    /"type":"CABundleVerified","status":"True","kind":"ValidatingWebhookConfiguration"/,
  );
});

t.test('the CRD’s conversion caBundle that does not verify: metric, condition, not ready', async (t) => {
  const verified = 'shipshape_tls_ca_bundle_verified';
  const crd = new RegExp(`configuration="${WEBAPP_CRD_NAME}"`);
  await eventually('the CRD verified', async () => (await metric(verified, crd)) === 1);
  const client = createJsonClient(env.kc);
  const path = objectPath(WEBAPP_CRD_REF);
  const setBundle = async (pem: string) => {
    const [field] = caBundleFields(WEBAPP_CRD_REF, await client.request<CaBundleObject>('GET', path));
    const body = field!.patch(Buffer.from(pem).toString('base64'));
    await client.request('PATCH', path, { body, contentType: 'application/json-patch+json' });
  };
  const stranger = await createCertificateAuthority('not-the-serving-ca');
  await setBundle(stranger.certPem);
  t.teardown(() => setBundle(env.certs.caPem));

  await eventually('the CRD bundle fails', async () => (await metric(verified, crd)) === 0);
  t.equal(await metric(verified, crd), 0, 'its metric is 0');
  const log = await shipshape.tail(200);
  t.match(
    log,
    new RegExp(
      `"type":"CABundleVerified","status":"False","kind":"CustomResourceDefinition","configuration":"${WEBAPP_CRD_NAME}"`,
    ),
    'condition',
  );
  t.match(log, /the caBundle of the conversion webhook does not verify it/, 'with the reason');
  const res = await fetchReadyz();
  t.equal(res.status, 503, '/readyz fails');
  t.same(res.body.failing, ['ca-bundle'], 'naming the check');

  await setBundle(env.certs.caPem);
  await eventually('ready again', async () => (await fetchReadyz()).status === 200);
  t.equal(await metric(verified, /./), 3, 'all three verify again');
});

function fetchReadyz(): Promise<{ status: number; body: { failing?: string[] } }> {
  return new Promise((resolve, reject) => {
    const req = get(`${shipshape.baseUrl}/readyz`, { ca: env.certs.caPem }, (res) => {
      let data = '';
      res.on('data', (d) => (data += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(data) }));
    });
    req.on('error', reject);
  });
}
