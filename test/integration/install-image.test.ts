// The image, run as the Deployment runs it: built from the Dockerfile by scripts/build-image.sh,
// started with rootful podman with the Deployment's user, env and mounts (the serving certificate
// at the Secret's mount, a TokenRequest token, the CA and namespace where the kubelet puts them),
// a read-only root, every capability dropped, no privilege escalation, and the host network to
// reach the loopback apiserver. It becomes ready, wins the Lease, admits a WebApp through the real
// apiserver and reconciles it, and on SIGTERM releases the Lease and exits 0.
//
// Not part of `npm test` (building the bases takes minutes on a new machine): `npm run test:image`,
// which .ci/run runs after `npm test`. Needs root (rootful podman; the script apt-installs it).
import { randomBytes } from 'node:crypto';
import { chmod, chown, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiException, CoordinationV1Api } from '@kubernetes/client-node';
import t from 'tap';
import { SHIPSHAPE_NAMESPACE } from '../../src/constants.ts';
import { writeDevCertificates } from '../../src/dev/dev-certificates.ts';
import { registerWebhooks } from '../../src/dev/install.ts';
import { JEMALLOC_PATH, toPodSpec } from '../../src/manifests/deployment.ts';
import { LEASE_NAME, SERVICE_ACCOUNT_NAME, TLS_MOUNT_PATH } from '../../src/manifests/install-names.ts';
import { SERVICE_ACCOUNT_DIR } from '../../src/kube/kubeconfig.ts';
import { findFreePort } from '../../src/net/free-port.ts';
import { probeStatus } from '../../src/net/probe-status.ts';
import { useControlPlane, useNamespace } from '../helpers/control-plane.ts';
import { eventually } from '../helpers/eventually.ts';
import { applyCrdAndRbac } from '../helpers/install.ts';
import { kubectl } from '../helpers/kubectl.ts';
import { clients } from '../helpers/webapps.ts';
import { type CommandResult, runCommand } from '../helpers/run-command.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
type Run = CommandResult;

function run(command: string, args: string[], cwd = ROOT): Promise<Run> {
  return runCommand(command, args, { cwd });
}

if (process.getuid?.() !== 0) {
  t.plan(0, 'rootful podman needs root');
  process.exit(0);
}
t.setTimeout(15 * 60_000); // as `npm run test:image` gives tap (--timeout=900)

const buildStart = Date.now();
const built = await run('bash', ['scripts/build-image.sh']);
if (built.code !== 0) throw new Error(`scripts/build-image.sh failed (${built.code}):\n${built.stderr}`);
const image = built.stdout.trim().split('\n').at(-1)!;
const buildSeconds = Math.round((Date.now() - buildStart) / 1000);

const { cp: plane, kc } = await useControlPlane(t, { nodes: 0 });
const admin = clients(kc);
const work = await mkdtemp(join(tmpdir(), 'shipshape-image-'));
t.teardown(() => rm(work, { recursive: true, force: true }));
await applyCrdAndRbac(plane.kubeconfigPath);

// The volumes as the kubelet makes them for the Deployment's Pod: files readable by the Pod's
// fsGroup (65532) and nobody else, the Secret's mode 0440 and the projected token's 0440.
const spec = toPodSpec();
const container = spec.containers[0]!;
const fsGroup = spec.securityContext!.fsGroup!;
const runAs = `${spec.securityContext!.runAsUser}:${spec.securityContext!.runAsGroup}`;
async function volume(dir: string, files: Record<string, string>) {
  await mkdir(dir, { mode: 0o750 });
  await chown(dir, 0, fsGroup);
  for (const [name, content] of Object.entries(files)) {
    await writeFile(join(dir, name), content);
    await chown(join(dir, name), 0, fsGroup);
    await chmod(join(dir, name), 0o440);
  }
}
const certs = await writeDevCertificates(join(work, 'dev-certs'));
await volume(join(work, 'tls'), {
  'tls.crt': await readFile(certs.certFile, 'utf8'),
  'tls.key': await readFile(certs.keyFile, 'utf8'),
  'ca.crt': certs.caPem,
});
const { status } = await admin.core.createNamespacedServiceAccountToken({
  namespace: SHIPSHAPE_NAMESPACE,
  name: SERVICE_ACCOUNT_NAME,
  body: { spec: { audiences: [], expirationSeconds: 3600 } },
});
await volume(join(work, 'serviceaccount'), {
  token: status!.token!,
  'ca.crt': plane.caPem,
  namespace: SHIPSHAPE_NAMESPACE,
});
await cp(certs.caFile, join(work, 'ca.crt'));

const podName = `shipshape-image-${randomBytes(3).toString('hex')}`;
// The host network is shared with the test: free ports instead of 9443 and 9090.
const port = await findFreePort();
const metricsPort = await findFreePort();
const apiserver = new URL(plane.server);
// The Deployment's env, with the downward API resolved as the kubelet would.
const env: Record<string, string> = {
  KUBERNETES_SERVICE_HOST: apiserver.hostname,
  KUBERNETES_SERVICE_PORT: apiserver.port,
  SHIPSHAPE_HOST: '127.0.0.1',
  SHIPSHAPE_PORT: String(port),
  SHIPSHAPE_METRICS_PORT: String(metricsPort),
};
for (const e of container.env ?? []) {
  const field = e.valueFrom?.fieldRef?.fieldPath;
  env[e.name] = field === 'metadata.name' ? podName : field === 'metadata.namespace' ? SHIPSHAPE_NAMESPACE : e.value!;
}

const nofile = (await run('bash', ['-c', 'ulimit -Hn'])).stdout.trim();
const podmanRun = [
  'run',
  '--detach',
  '--name',
  podName,
  '--runtime',
  'runc',
  '--ulimit',
  `nofile=${nofile}:${nofile}`,
  '--ulimit',
  'nproc=4096:4096',
  '--pull=never',
  '--network',
  'host',
  '--read-only',
  '--cap-drop=ALL',
  '--security-opt=no-new-privileges',
  '--user',
  runAs,
  '--group-add',
  String(fsGroup),
  '--volume',
  `${join(work, 'tls')}:${TLS_MOUNT_PATH}:ro`,
  '--volume',
  `${join(work, 'serviceaccount')}:${SERVICE_ACCOUNT_DIR}:ro`,
  ...Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
  image,
];
const started = await run('podman', podmanRun);
if (started.code !== 0) throw new Error(`podman run failed:\n${started.stderr}`);
t.teardown(() => run('podman', ['rm', '--force', '--time', '1', podName]));
const logs = async () => {
  const out = await run('podman', ['logs', podName]);
  return out.stdout + out.stderr;
};

const baseUrl = `https://127.0.0.1:${port}`;
try {
  await eventually(
    'the container is ready',
    async () => (await probeStatus(`${baseUrl}/readyz`, { ca: certs.caPem })) === 200,
    60_000,
  );
} catch (err) {
  throw new Error(`not ready:\n${await logs()}`, { cause: err });
}
await registerWebhooks(kc, { kind: 'url', baseUrl, caPem: certs.caPem });

t.test(`the image (${image}, built in ${buildSeconds} s) runs as the Deployment’s Pod would`, async (t) => {
  const inspect = JSON.parse((await run('podman', ['inspect', podName])).stdout) as {
    State: { Pid: number; Running: boolean };
    HostConfig: { ReadonlyRootfs: boolean };
    Config: { User: string };
  }[];
  const [c] = inspect;
  t.equal(c?.State.Running, true);
  t.equal(c?.HostConfig.ReadonlyRootfs, true, 'read-only root file system');
  const procStatus = await readFile(`/proc/${c!.State.Pid}/status`, 'utf8');
  t.match(procStatus, /^Uid:\t65532\t65532\t65532\t65532$/m, 'Node runs as UID 65532');
  t.match(procStatus, /^CapEff:\t0+$/m, 'with no capabilities');
  t.match(procStatus, /^NoNewPrivs:\t1$/m, 'and no new privileges');
  const cmdline = (await readFile(`/proc/${c!.State.Pid}/cmdline`, 'utf8')).split('\0');
  t.equal(cmdline[0], '/usr/local/bin/node', 'Node is PID 1 of the container (exec-form entrypoint)');
  // The Deployment's LD_PRELOAD: a missing library would only be a warning of the dynamic loader.
  const maps = await readFile(`/proc/${c!.State.Pid}/maps`, 'utf8');
  t.ok(maps.includes(JEMALLOC_PATH), `${JEMALLOC_PATH} is loaded (LD_PRELOAD)`);
  t.notMatch(await logs(), /cannot be preloaded/, 'the dynamic loader found everything it was asked to preload');
  const labels = JSON.parse((await run('podman', ['image', 'inspect', '--format', '{{json .Labels}}', image])).stdout);
  t.match(labels, { 'org.opencontainers.image.title': 'shipshape', 'org.opencontainers.image.licenses': 'Apache-2.0' });
});

t.test('it wins the Lease on its ServiceAccount token', async (t) => {
  const leases = kc.makeApiClient(CoordinationV1Api);
  const lease = await eventually('the Lease is held', async () => {
    const l = await leases.readNamespacedLease({ namespace: SHIPSHAPE_NAMESPACE, name: LEASE_NAME });
    return l.spec?.holderIdentity ? l : undefined;
  });
  t.match(lease.spec?.holderIdentity, new RegExp(`^${podName}_`));
});

t.test('it admits a WebApp through the real apiserver, and denies one over the limits', async (t) => {
  const ns = await useNamespace(t, kc, 'image');
  const apply = (name: string, spec: Record<string, unknown>) =>
    kubectl(
      plane.kubeconfigPath,
      ['apply', '-n', ns, '-f', '-'],
      JSON.stringify({ apiVersion: 'shipshape.dev/v1', kind: 'WebApp', metadata: { name }, spec }),
    );
  const allowed = await apply('hello', { image: 'nginxinc/nginx-unprivileged:1.27' });
  t.equal(allowed.code, 0, allowed.stderr);
  const webApp = await admin.getWebApp(ns, 'hello');
  t.equal(webApp.metadata.labels?.['app.kubernetes.io/managed-by'], 'shipshape', 'defaulted by the mutating webhook');
  t.equal(webApp.spec.port, 8080, 'with the default port');
  const deployment = await eventually('the Deployment', () =>
    admin.apps.readNamespacedDeployment({ namespace: ns, name: 'hello' }).catch((e: unknown) => {
      if (e instanceof ApiException && e.code === 404) return undefined;
      throw e;
    }),
  );
  t.equal(deployment.metadata?.ownerReferences?.[0]?.name, 'hello', 'and reconciled by the container');

  const denied = await apply('too-big', { image: 'nginx:1.27', replicas: 50 });
  t.not(denied.code, 0);
  t.match(denied.stderr, 'admission webhook "validate.webapps.shipshape.dev" denied the request');
  t.match(denied.stderr, 'spec.replicas: 50 exceeds the maximum of 10');
});

t.test('SIGTERM reaches Node: it releases the Lease and exits 0', async (t) => {
  const stopped = await run('podman', ['stop', '--time', '30', podName]);
  t.equal(stopped.code, 0, stopped.stderr);
  const exit = await run('podman', ['inspect', '--format', '{{.State.ExitCode}}', podName]);
  t.equal(exit.stdout.trim(), '0', await logs());
  const lease = await kc
    .makeApiClient(CoordinationV1Api)
    .readNamespacedLease({ namespace: SHIPSHAPE_NAMESPACE, name: LEASE_NAME });
  t.notOk(lease.spec?.holderIdentity, 'the Lease is released');
  t.match(await logs(), /"msg":"stopped"/);
});
