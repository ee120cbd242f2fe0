// Authenticating the API server: Shipshape started with --client-ca-file refuses, in the TLS
// handshake, every client without a certificate that CA signed; the real kube-apiserver presents
// one from the kubeconfig of its AdmissionConfiguration (WebhookAdmissionConfiguration, matched by
// the webhook's host:port), so admission through kubectl keeps working.
import { mkdtemp, rename, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { stringify } from 'yaml';
import { VALIDATE_PATH } from '../../src/constants.ts';
import { startDevEnvironment } from '../../src/dev/dev-environment.ts';
import { findFreePort } from '../../src/net/free-port.ts';
import { createCertificateAuthority } from '../../src/pki/certificates.ts';
import { kubectl } from '../helpers/kubectl.ts';
import { admissionReview, minimalWebApp } from '../helpers/server.ts';

const dir = await mkdtemp(join(tmpdir(), 'shipshape-mtls-'));
const clientCa = await createCertificateAuthority('apiserver-client-ca');
const apiserverClient = await clientCa.issue({ commonName: 'kube-apiserver', usage: 'client' });
const probeClient = await clientCa.issue({ commonName: 'readiness-probe', usage: 'client' });
const clientCaFile = join(dir, 'client-ca.crt');
await writeFile(clientCaFile, clientCa.certPem);

const webhookPort = await findFreePort();
const b64 = (pem: string) => Buffer.from(pem).toString('base64');
const webhookKubeconfig = join(dir, 'webhook-kubeconfig.yaml');
await writeFile(
  webhookKubeconfig,
  stringify({
    apiVersion: 'v1',
    kind: 'Config',
    // The apiserver picks the user whose name is the webhook's host:port.
    users: [
      {
        name: `127.0.0.1:${webhookPort}`,
        user: {
          'client-certificate-data': b64(apiserverClient.certPem),
          'client-key-data': b64(apiserverClient.keyPem),
        },
      },
    ],
  }),
  { mode: 0o600 },
);
const webhookAdmission = {
  apiVersion: 'apiserver.config.k8s.io/v1',
  kind: 'WebhookAdmissionConfiguration',
  kubeConfigFile: webhookKubeconfig,
};
const admissionConfig = join(dir, 'admission-config.yaml');
await writeFile(
  admissionConfig,
  stringify({
    apiVersion: 'apiserver.config.k8s.io/v1',
    kind: 'AdmissionConfiguration',
    plugins: [
      { name: 'MutatingAdmissionWebhook', configuration: webhookAdmission },
      { name: 'ValidatingAdmissionWebhook', configuration: webhookAdmission },
    ],
  }),
);

const env = await startDevEnvironment({
  nodes: 0,
  apiserverArgs: [`--admission-control-config-file=${admissionConfig}`],
  webhookPort,
  env: { SHIPSHAPE_CLIENT_CA_FILE: clientCaFile },
  probeClient: { cert: probeClient.certPem, key: probeClient.keyPem },
});
t.teardown(() => env.stop());
const shipshape = env.replicas[0]!;
const run = (args: string[], input?: string) => kubectl(env.cp.kubeconfigPath, args, input);

type Outcome = { status: number; body: string } | { error: NodeJS.ErrnoException };

/** POSTs an AdmissionReview to the replica directly, with `client` as its certificate (or none). */
function post(client?: { certPem: string; keyPem: string }): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request(
      `${shipshape.baseUrl}${VALIDATE_PATH}`,
      {
        method: 'POST',
        ca: env.certs.caPem,
        agent: false,
        headers: { 'content-type': 'application/json' },
        ...(client && { cert: client.certPem, key: client.keyPem }),
      },
      (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', (error) => resolve({ error }));
    req.end(JSON.stringify(admissionReview(minimalWebApp())));
  });
}

t.test('the apiserver authenticates with its client certificate: kubectl admission works', async (t) => {
  const defaulted = await run(['apply', '--dry-run=server', '-o', 'yaml', '-f', 'examples/webapp.yaml']);
  t.equal(defaulted.code, 0, `kubectl apply --dry-run=server succeeds: ${defaulted.stderr}`);
  t.match(defaulted.stdout, /replicas: \d+/, 'the WebApp comes back defaulted by the mutating webhook');
  const denied = await run(['apply', '--dry-run=server', '-f', 'examples/webapp-too-big.yaml']);
  t.not(denied.code, 0, 'the too-big WebApp is refused');
  t.match(denied.stderr, /admission webhook "validate\.webapps\.shipshape\.dev" denied the request/);
  t.match(await shipshape.tail(100), /client certificates required/, 'the replica says it requires them');
});

t.test('a client without a valid certificate is refused in the TLS handshake', async (t) => {
  const none = await post();
  t.ok('error' in none, 'no certificate: no HTTP answer');
  if ('error' in none)
    t.match(none.error.code, /^ERR_SSL_.*ALERT_CERTIFICATE_REQUIRED$|^ECONNRESET$/, `refused: ${none.error.code}`);

  const strangers = await createCertificateAuthority('stranger-ca');
  const stranger = await strangers.issue({ commonName: 'kube-apiserver', usage: 'client' });
  const wrong = await post(stranger);
  t.ok('error' in wrong, 'a certificate of another CA: no HTTP answer');
  if ('error' in wrong)
    t.match(wrong.error.code, /^ERR_SSL_.*ALERT_UNKNOWN_CA$|^ECONNRESET$/, `refused: ${wrong.error.code}`);

  const right = await post(apiserverClient);
  t.ok('status' in right && right.status === 200, 'the CA-signed certificate gets an answer');
  if ('status' in right) t.equal(JSON.parse(right.body).response.allowed, true, 'and is admitted');
});

t.test('the client CA is reloaded like the serving pair', async (t) => {
  const next = await createCertificateAuthority('apiserver-client-ca-2');
  const nextClient = await next.issue({ commonName: 'kube-apiserver', usage: 'client' });
  t.ok('error' in (await post(nextClient)), 'a certificate of the next CA is refused before the reload');
  // Both CAs during the rotation, as a CA bundle: the apiserver's current certificate stays valid.
  const tmp = `${clientCaFile}.tmp`;
  await writeFile(tmp, clientCa.certPem + next.certPem);
  await rename(tmp, clientCaFile);
  const deadline = Date.now() + 10_000;
  let outcome = await post(nextClient);
  while ('error' in outcome && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    outcome = await post(nextClient);
  }
  t.ok('status' in outcome && outcome.status === 200, 'accepted after the reload');
  t.ok('status' in (await post(apiserverClient)), 'the old CA still verifies');
  const stillAdmits = await run(['apply', '--dry-run=server', '-o', 'yaml', '-f', 'examples/webapp.yaml']);
  t.equal(stillAdmits.code, 0, 'and admission through the apiserver still works');
});
