// Issue #32 against the real apiserver: the self-managed-certificates install applied with
// `kubectl apply -k`, three replicas (processes on this host, in-cluster style on the install's
// ServiceAccount; test/helpers/self-managed-install.ts plays the kubelet and the endpoint
// controller), the apiserver calling the webhooks through the Service's DNS name. Lifetimes are
// shortened so that rotations happen inside the test: a serving pair lives 40 s and is renewed
// 25 s before its end; a CA lives 150 s and is renewed 70 s before. Under continuous admission
// load (4 clients): serving rotations, a CA rotation with a replica and then the leader killed
// (SIGKILL) during its overlap, a Secret deleted by hand, a caBundle replaced by hand (a webhook's
// by garbage; the WebApp CRD's conversion webhook's, which must parse, by another CA: #35), and a
// replica started on an expired pair. "Every caBundle" counts the CRD's.
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { V1Secret } from '@kubernetes/client-node';
import t from 'tap';
import {
  MUTATING_CONFIGURATION_NAME,
  SHIPSHAPE_NAMESPACE,
  VALIDATING_CONFIGURATION_NAME,
} from '../../src/constants.ts';
import { waitUntilAdmitting } from '../../src/dev/install.ts';
import {
  type CaBundleObject,
  type CaBundleObjectRef,
  WEBAPP_CRD_REF,
  caBundleFields,
  objectPath,
} from '../../src/kube/ca-bundle-targets.ts';
import { createJsonClient, isNotFound } from '../../src/kube/json-client.ts';
import { LEASE_NAME, TLS_SECRET_NAME } from '../../src/manifests/install-names.ts';
import { createCertificateAuthority } from '../../src/pki/certificates.ts';
import { issueServingPair, serviceDnsNames } from '../../src/tls/issuer.ts';
import { servedCertificate } from '../../src/tls/replica-issuers.ts';
import { SECRET_KEYS } from '../../src/tls/certificate-secret.ts';
import { readBundle } from '../../src/tls/stored-certificates.ts';
import { startAdmissionLoad } from '../helpers/admission-load.ts';
import { eventually } from '../helpers/eventually.ts';
import { startSelfManagedInstall } from '../helpers/self-managed-install.ts';

const SETTINGS = {
  SHIPSHAPE_TLS_LIFETIME_SECONDS: '40',
  SHIPSHAPE_TLS_RENEW_BEFORE_SECONDS: '25',
  SHIPSHAPE_CA_LIFETIME_SECONDS: '150',
  SHIPSHAPE_CA_RENEW_BEFORE_SECONDS: '70',
  SHIPSHAPE_CERTIFICATE_CHECK_INTERVAL_SECONDS: '2',
  SHIPSHAPE_CERTIFICATE_SETTLE_SECONDS: '3',
  SHIPSHAPE_CERTIFICATE_BACKDATE_SECONDS: '1',
  SHIPSHAPE_LEASE_DURATION_SECONDS: '4',
  SHIPSHAPE_RENEW_DEADLINE_SECONDS: '3',
  SHIPSHAPE_RETRY_PERIOD_SECONDS: '1',
  SHIPSHAPE_SHUTDOWN_DELAY_SECONDS: '1',
};
const DNS_NAMES = serviceDnsNames('shipshape-webhook', SHIPSHAPE_NAMESPACE);

const install = await startSelfManagedInstall(t, { env: SETTINGS });
const { cp, kc } = install;
const client = createJsonClient(kc);
const secretPath = `/api/v1/namespaces/${SHIPSHAPE_NAMESPACE}/secrets/${TLS_SECRET_NAME}`;
/** Every object whose caBundles the leader keeps: both webhook configurations and the WebApp CRD. */
const targets: CaBundleObjectRef[] = [
  { kind: 'MutatingWebhookConfiguration', name: MUTATING_CONFIGURATION_NAME },
  { kind: 'ValidatingWebhookConfiguration', name: VALIDATING_CONFIGURATION_NAME },
  WEBAPP_CRD_REF,
];
const configurations = targets.map(objectPath);

const decode = (secret: V1Secret, key: string) => Buffer.from(secret.data?.[key] ?? '', 'base64').toString('utf8');
const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;

/** The Secret as the test reads it: signing CA, bundle and serving pair by fingerprint. */
async function stored() {
  const secret = await client.request<V1Secret>('GET', secretPath);
  const bundle = readBundle(decode(secret, SECRET_KEYS.bundle));
  const serving = decode(secret, SECRET_KEYS.servingCert);
  return {
    secret,
    ca: fingerprint(decode(secret, SECRET_KEYS.caCert)),
    bundle: typeof bundle === 'object' ? bundle.map((c) => c.fingerprint) : [],
    serving: serving ? fingerprint(serving) : undefined,
  };
}

/** The CAs of every caBundle (each webhook's, the CRD's conversion webhook's), by fingerprint, one list each. */
async function injected(): Promise<string[][]> {
  const lists: string[][] = [];
  for (const ref of targets) {
    const object = await client.request<CaBundleObject>('GET', objectPath(ref));
    for (const field of caBundleFields(ref, object)) {
      const bundle = readBundle(Buffer.from(field.caBundle ?? '', 'base64').toString('utf8'));
      lists.push(typeof bundle === 'object' ? bundle.map((c) => c.fingerprint) : []);
    }
  }
  return lists;
}

/** What each replica serves now, by fingerprint. */
async function servedByReplicas(): Promise<Map<string, X509Certificate>> {
  const served = new Map<string, X509Certificate>();
  for (const replica of install.replicas.values()) {
    const endpoint = { name: replica.name, host: install.host, port: replica.process.port };
    served.set(replica.name, await servedCertificate(endpoint, DNS_NAMES[0]!, 2000));
  }
  return served;
}

async function leaderName(): Promise<string> {
  return eventually('a Lease holder', async () => {
    const lease = await client.request<{ spec?: { holderIdentity?: string } }>(
      'GET',
      `/apis/coordination.k8s.io/v1/namespaces/${SHIPSHAPE_NAMESPACE}/leases/${LEASE_NAME}`,
    );
    const holder = lease.spec?.holderIdentity?.replace(/_[0-9a-f]+$/, '');
    return holder && install.replicas.has(holder) ? holder : undefined;
  });
}

/** Every replica serves a pair the Secret holds, signed by the signing CA, and every caBundle is [that CA]. */
async function converged(): Promise<boolean> {
  const s = await stored();
  if (s.bundle.length !== 1 || s.bundle[0] !== s.ca) return false;
  if (!(await injected()).every((list) => list.length === 1 && list[0] === s.ca)) return false;
  const served = await servedByReplicas();
  return [...served.values()].every((cert) => cert.fingerprint256 === s.serving);
}

const names = ['shipshape-0', 'shipshape-1', 'shipshape-2'];

t.test('kubectl apply -k of the variant: ready replicas admitting through the Service name', async (t) => {
  const started = Date.now();
  for (const name of names) await install.start(name);
  await eventually(
    'three ready replicas',
    async () => [...install.replicas.values()].every((r) => r.ready) || undefined,
    60_000,
  );
  t.comment(`three replicas ready ${Date.now() - started} ms after they started`);
  await waitUntilAdmitting(kc, 'default', 30_000);
  t.pass('a dry-run WebApp comes back defaulted: the apiserver reached the webhooks by the Service DNS name');

  const s = await stored();
  t.equal(s.secret.type, 'kubernetes.io/tls');
  t.strictSame(s.bundle, [s.ca], 'the bundle is the one CA');
  // One per webhook (WebApp's and MySQLCluster's, in each of the two configurations), and the CRD's.
  t.strictSame(
    await injected(),
    [[s.ca], [s.ca], [s.ca], [s.ca], [s.ca]],
    'all five caBundles carry it, the CRD’s among them',
  );
  for (const [name, cert] of await servedByReplicas()) {
    t.equal(cert.fingerprint256, s.serving, `${name} serves the Secret's pair`);
    t.strictSame(cert.subjectAltName?.split(', ').sort(), DNS_NAMES.map((n) => `DNS:${n}`).sort());
  }
});

t.test('serving-certificate rotation under load: 0 failed admissions', async (t) => {
  const load = startAdmissionLoad(kc, 'default', 4);
  const seen = new Set<string>([(await stored()).serving!]);
  await eventually(
    'two serving pairs issued after the first',
    async () => {
      const s = await stored();
      if (s.serving) seen.add(s.serving);
      return seen.size >= 3 || undefined;
    },
    60_000,
  );
  await eventually('every replica serves the newest pair', converged, 20_000);
  const result = await load.stop();
  t.comment(`${seen.size - 1} serving rotations, ${result.ok} admissions`);
  t.ok(result.ok > 50, `admissions went on (${result.ok})`);
  t.strictSame(result.failures, [], 'no admission failed');
});

t.test('CA rotation with overlap under load; a replica and the leader killed in the overlap', async (t) => {
  const load = startAdmissionLoad(kc, 'default', 4);
  const before = await stored();
  const overlap = await eventually(
    'a new CA beside the old in the bundle',
    async () => {
      const s = await stored();
      return s.ca !== before.ca && s.bundle.length === 2 ? s : undefined;
    },
    120_000,
  );
  t.ok(overlap.bundle.includes(before.ca), 'the old CA stays in the bundle');
  // In the overlap: a standby, then the leader, killed without a chance to clean up.
  const leader = await leaderName();
  const standby = names.find((n) => n !== leader && install.replicas.has(n))!;
  await install.kill(standby);
  await install.kill(leader);
  t.comment(`killed ${standby}, then the leader ${leader}, with the bundle at ${overlap.bundle.length} CAs`);
  await install.start(`${standby}-b`);
  await install.start(`${leader}-b`);
  await eventually('the rotation completes: one CA, every replica on a pair it signed', converged, 60_000);
  const after = await stored();
  t.equal(after.ca, overlap.ca, 'the CA made before the kills finished the rotation');
  t.notOk((await injected()).flat().includes(before.ca), 'the old CA left every caBundle');
  const result = await load.stop();
  t.comment(`${result.ok} admissions during the CA rotation`);
  t.strictSame(result.failures, [], 'no admission failed');
});

t.test('the Secret deleted by hand: recreated, admission never down', async (t) => {
  const load = startAdmissionLoad(kc, 'default', 4);
  const before = await stored();
  await client.request('DELETE', secretPath);
  const deletedAt = Date.now();
  const recreated = await eventually(
    'the Secret recreated',
    async () =>
      client
        .request<V1Secret>('GET', secretPath)
        .catch((err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err))),
    30_000,
  );
  t.comment(`recreated ${Date.now() - deletedAt} ms after the deletion`);
  t.ok(recreated.metadata?.uid !== before.secret.metadata?.uid);
  await eventually('converged on a new CA', converged, 60_000);
  t.not((await stored()).ca, before.ca, 'a new CA (the old key was lost with the Secret)');
  const result = await load.stop();
  t.strictSame(result.failures, [], 'no admission failed');
});

t.test('a caBundle replaced by hand with garbage: repaired', async (t) => {
  const path = configurations[1]!;
  const garbage = Buffer.from('-----BEGIN CERTIFICATE-----\nZ2FyYmFnZQ==\n-----END CERTIFICATE-----\n').toString(
    'base64',
  );
  await client.request('PATCH', path, {
    body: [{ op: 'replace', path: '/webhooks/0/clientConfig/caBundle', value: garbage }],
    contentType: 'application/json-patch+json',
  });
  const editedAt = Date.now();
  await eventually(
    'the caBundle repaired',
    async () => {
      const config = await client.request<{ webhooks: { clientConfig: { caBundle?: string } }[] }>('GET', path);
      return config.webhooks[0]?.clientConfig.caBundle !== garbage || undefined;
    },
    10_000,
  );
  const repairMs = Date.now() - editedAt;
  t.comment(`repaired ${repairMs} ms after the edit`);
  t.ok(await converged(), 'the repaired caBundle carries the signing CA');
  await waitUntilAdmitting(kc, 'default', 10_000);
});

t.test('the CRD’s conversion caBundle replaced by hand with another CA: repaired', async (t) => {
  // Another CA, not garbage: the apiserver refuses a CRD whose caBundle does not parse.
  const path = objectPath(WEBAPP_CRD_REF);
  const stranger = await createCertificateAuthority('someone-else');
  const replaced = Buffer.from(stranger.certPem).toString('base64');
  const crd = await client.request<CaBundleObject>('GET', path);
  const [field] = caBundleFields(WEBAPP_CRD_REF, crd);
  t.ok(field, 'the installed CRD has a conversion webhook');
  await client.request('PATCH', path, { body: field!.patch(replaced), contentType: 'application/json-patch+json' });
  const editedAt = Date.now();
  await eventually(
    'the conversion caBundle repaired',
    async () => {
      const [now] = caBundleFields(WEBAPP_CRD_REF, await client.request<CaBundleObject>('GET', path));
      return now?.caBundle !== replaced || undefined;
    },
    10_000,
  );
  t.comment(`repaired ${Date.now() - editedAt} ms after the edit`);
  await eventually('converged', converged, 10_000);
  t.notOk((await injected()).flat().includes(fingerprint(stranger.certPem)), 'the stranger CA is gone');
});

t.test('a replica started on an expired pair is not ready until a fresh one is served', async (t) => {
  for (const name of [...install.replicas.keys()]) await install.stop(name);
  // Nobody may lead: a holder that is not a replica keeps the Lease.
  const leasePath = `/apis/coordination.k8s.io/v1/namespaces/${SHIPSHAPE_NAMESPACE}/leases/${LEASE_NAME}`;
  const lease = await client.request<{ metadata: object; spec: object }>('GET', leasePath);
  // A MicroTime: six digits of fraction.
  const now = new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
  const hold = {
    holderIdentity: 'someone-else',
    leaseDurationSeconds: 3600,
    acquireTime: now,
    renewTime: now,
  };
  await client.request('PUT', leasePath, { body: { ...lease, spec: { ...lease.spec, ...hold } } });
  // An expired pair signed by the signing CA, as a leader gone for longer than its lifetime leaves.
  const s = await stored();
  const expired = await issueServingPair(
    { certPem: decode(s.secret, SECRET_KEYS.caCert), keyPem: decode(s.secret, SECRET_KEYS.caKey) },
    { notBefore: Date.now() - 120_000, notAfter: Date.now() - 60_000, dnsNames: DNS_NAMES },
  );
  const data = {
    ...s.secret.data,
    [SECRET_KEYS.servingCert]: Buffer.from(expired.certPem).toString('base64'),
    [SECRET_KEYS.servingKey]: Buffer.from(expired.keyPem).toString('base64'),
  };
  await client.request('PUT', secretPath, { body: { ...s.secret, data } });

  const replica = await install.start('shipshape-late');
  // Until it has said so: a loaded machine can take more than a few seconds to start a replica.
  const expiredLine = /the serving pair in the certificate Secret has expired/;
  const readLog = () => readFile(replica.process.logPath, 'utf8').catch(() => '');
  const log = await eventually(
    'the replica logs that its pair has expired',
    async () => {
      const text = await readLog();
      return expiredLine.test(text) && text;
    },
    30_000,
  ).catch(readLog);
  t.match(log, expiredLine);
  t.equal(replica.ready, false, 'not ready on the expired pair');

  await client.request('DELETE', leasePath);
  await eventually('ready once it leads and serves a fresh pair', async () => replica.ready || undefined, 30_000);
  const served = (await servedByReplicas()).get('shipshape-late')!;
  t.ok(served.validToDate.getTime() > Date.now(), 'the pair served is valid');
  await waitUntilAdmitting(kc, 'default', 10_000);
});

t.test('moving from cert-manager: its Secret and caBundles taken over without a failed admission', async (t) => {
  for (const name of [...install.replicas.keys()]) await install.stop(name);
  // What cert-manager leaves: its CA's pair in the Secret (tls.crt, tls.key, ca.crt; no signing CA
  // key), that CA injected into every caBundle by cainjector.
  const authority = await createCertificateAuthority('cert-manager-ca');
  const pair = await authority.issue({ commonName: DNS_NAMES[0]!, hosts: DNS_NAMES, usage: 'server' });
  const previous = await stored();
  const certManagerCa = fingerprint(authority.certPem);
  const b64 = (pem: string) => Buffer.from(pem).toString('base64');
  await client.request('PUT', secretPath, {
    body: {
      ...previous.secret,
      metadata: {
        ...previous.secret.metadata,
        annotations: { 'cert-manager.io/certificate-name': 'shipshape-webhook' },
      },
      data: { 'tls.crt': b64(pair.certPem), 'tls.key': b64(pair.keyPem), 'ca.crt': b64(authority.certPem) },
    },
  });
  for (const ref of targets) {
    const path = objectPath(ref);
    const object = await client.request<CaBundleObject>('GET', path);
    await client.request('PATCH', path, {
      body: caBundleFields(ref, object).flatMap((field) => field.patch(b64(authority.certPem))),
      contentType: 'application/json-patch+json',
    });
  }
  for (const name of ['shipshape-m0', 'shipshape-m1', 'shipshape-m2']) await install.start(name);
  await eventually(
    'three ready replicas',
    async () => [...install.replicas.values()].every((r) => r.ready) || undefined,
    60_000,
  );
  const load = startAdmissionLoad(kc, 'default', 4);
  await eventually('converged on a CA of its own', converged, 60_000);
  const after = await stored();
  t.not(after.ca, certManagerCa, 'a CA of its own signs the pair served');
  t.notOk((await injected()).flat().includes(certManagerCa), "cert-manager's CA left every caBundle");
  const result = await load.stop();
  t.comment(`${result.ok} admissions while moving over`);
  t.strictSame(result.failures, [], 'no admission failed');
});

t.test("nothing from cert-manager's API was touched", async (t) => {
  const events = (await readFile(cp.auditLogPath!, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { requestURI: string; objectRef?: { apiGroup?: string } });
  t.ok(events.length > 100, `${events.length} requests audited`);
  const touched = events.filter(
    (e) => e.objectRef?.apiGroup === 'cert-manager.io' || e.requestURI.includes('cert-manager.io'),
  );
  t.strictSame(touched, [], "no request to cert-manager's API group");
});
