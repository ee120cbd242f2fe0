// Start-up's checks before it connects or listens: the Kubernetes connection client-node would
// use, and a serving certificate, each failing with one line that says what to provide.
import { readFile } from 'node:fs/promises';
import t from 'tap';
import {
  PreflightError,
  SERVICE_ACCOUNT_TOKEN,
  findKubeConnection,
  toCertificateError,
} from '../../../src/config/preflight.ts';

const only =
  (...paths: string[]) =>
  (path: string) =>
    paths.includes(path);

t.test('the connection follows loadFromDefault: KUBECONFIG, ~/.kube/config, then in-cluster', async (t) => {
  const all = only('/a', '/b', '/home/jo/.kube/config', SERVICE_ACCOUNT_TOKEN);
  t.strictSame(findKubeConnection({ KUBECONFIG: '/a:/b' }, '/home/jo', all), { source: 'KUBECONFIG', path: '/a' });
  t.strictSame(findKubeConnection({}, '/home/jo', all), { source: '~/.kube/config', path: '/home/jo/.kube/config' });
  const inPod = { KUBECONFIG: '', KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' };
  t.strictSame(findKubeConnection(inPod, '/home/jo', only(SERVICE_ACCOUNT_TOKEN)), {
    source: 'in-cluster',
  });
});

t.test('a token without the apiserver address is START_NO_CLUSTER, naming the variables', async (t) => {
  t.throws(() => findKubeConnection({ KUBERNETES_SERVICE_PORT: '443' }, '/home/jo', only(SERVICE_ACCOUNT_TOKEN)), {
    code: 'START_NO_CLUSTER',
    message:
      "START_NO_CLUSTER: a service account token is at /var/run/secrets/kubernetes.io/serviceaccount/token, but KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set (the kubelet sets them in a Pod); set both to the apiserver's address, or set KUBECONFIG",
  });
});

t.test('no cluster at all is START_NO_CLUSTER, with how to provide one', async (t) => {
  t.throws(() => findKubeConnection({}, '/home/jo', only()), {
    name: 'PreflightError',
    code: 'START_NO_CLUSTER',
    message:
      'START_NO_CLUSTER: no Kubernetes cluster configured: set KUBECONFIG to a kubeconfig file (or create ~/.kube/config), or run in a Pod with a service account token at /var/run/secrets/kubernetes.io/serviceaccount/token',
  });
  t.throws(() => findKubeConnection({}, undefined, only()), { code: 'START_NO_CLUSTER' }, 'no home folder');
  t.throws(() => findKubeConnection({ KUBECONFIG: '/a:/gone' }, '/home/jo', only('/a', SERVICE_ACCOUNT_TOKEN)), {
    code: 'START_NO_CLUSTER',
    message: 'START_NO_CLUSTER: KUBECONFIG names /gone, which does not exist; point KUBECONFIG at a kubeconfig file',
  });
});

t.test('a certificate that is missing, or cannot serve, names the setting and one line', async (t) => {
  const config = { tlsCertFile: '/tls/tls.crt', tlsKeyFile: '/tls/tls.key' };
  const missing = await readFile('/tls/tls.key').catch((err: unknown) => err);
  const err = toCertificateError(config, missing);
  t.ok(err instanceof PreflightError);
  t.equal(err.code, 'START_NO_CERTIFICATE');
  t.match(
    err.message,
    /^START_NO_CERTIFICATE: no serving certificate: SHIPSHAPE_TLS_KEY_FILE \(--tls-key-file\) = "\/tls\/tls\.key" does not exist; give the PEM certificate and key with --tls-cert-file and --tls-key-file/,
  );
  t.notMatch(err.message, /\n/, 'one line');
  const bad = toCertificateError(config, new Error('error:0480006C:PEM routines::no start line\nmore'));
  t.equal(
    bad.message.split(';')[0],
    'START_NO_CERTIFICATE: the serving certificate SHIPSHAPE_TLS_CERT_FILE (--tls-cert-file) = "/tls/tls.crt" and key SHIPSHAPE_TLS_KEY_FILE (--tls-key-file) = "/tls/tls.key" cannot serve TLS (error:0480006C:PEM routines::no start line)',
  );
});
