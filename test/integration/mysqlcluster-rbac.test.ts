// MySQLCluster's RBAC proven by use (issue #36): Shipshape runs in-cluster style on a token of the
// rendered ServiceAccount (deploy/rbac.yaml, as install-rbac.test.ts does for WebApp) against the
// harness's controllers and kwok Nodes, and carries out everything a MySQLCluster asks of it: the
// root password Secret created, the StatefulSet and the other children applied, the status written,
// storage grown (claims listed and patched, the StatefulSet orphan-deleted and recreated), and a
// deletion with claimRetention Delete (claims deleted, the Secret kept: Shipshape deletes no
// Secret), with no request refused.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { SHIPSHAPE_NAMESPACE } from '../../src/constants.ts';
import { writeDevCertificates } from '../../src/dev/dev-certificates.ts';
import { startShipshapeProcess } from '../../src/dev/shipshape-process.ts';
import { MYSQLCLUSTER_API_VERSION } from '../../src/api/mysqlcluster.ts';
import { SERVICE_ACCOUNT_NAME } from '../../src/manifests/install-names.ts';
import { useControlPlane, useNamespace } from '../helpers/control-plane.ts';
import { eventually } from '../helpers/eventually.ts';
import { applyCrdAndRbac } from '../helpers/install.ts';
import { mysqlClients, mysqlTarget } from '../helpers/mysqlclusters.ts';

const { cp, kc } = await useControlPlane(t);
const my = mysqlClients(kc, cp.kubeconfigPath);
const { apps, core } = my;
const work = await mkdtemp(join(tmpdir(), 'shipshape-mysql-rbac-'));
t.teardown(() => rm(work, { recursive: true, force: true }));
await applyCrdAndRbac(cp.kubeconfigPath);

const { status } = await core.createNamespacedServiceAccountToken({
  namespace: SHIPSHAPE_NAMESPACE,
  name: SERVICE_ACCOUNT_NAME,
  body: { spec: { audiences: [], expirationSeconds: 3600 } },
});
if (!status?.token) throw new Error('TokenRequest returned no token');
const serviceAccountDir = join(work, 'serviceaccount');
await mkdir(serviceAccountDir);
await writeFile(join(serviceAccountDir, 'token'), status.token);
await writeFile(join(serviceAccountDir, 'ca.crt'), cp.caPem);
await writeFile(join(serviceAccountDir, 'namespace'), SHIPSHAPE_NAMESPACE);
const apiserver = new URL(cp.server);
const logPath = join(work, 'shipshape.log');
const shipshape = await startShipshapeProcess({
  kubeconfigPath: '',
  certs: await writeDevCertificates(join(work, 'certs')),
  podName: 'shipshape-rbac-0',
  logPath,
  env: {
    KUBECONFIG: '',
    HOME: work,
    KUBERNETES_SERVICE_HOST: apiserver.hostname,
    KUBERNETES_SERVICE_PORT: apiserver.port,
    SHIPSHAPE_SERVICE_ACCOUNT_DIR: serviceAccountDir,
  },
  readyTimeoutMs: 60_000,
});
t.teardown(() => shipshape.stop());

/** Ready at its current generation with `members` Ready members (no webhook here: the spec is stored as written). */
const ready = (ns: string, name: string, members: number) =>
  eventually(
    `${name} Ready`,
    async () => {
      const cluster = await my.get(ns, name);
      const { status, metadata } = cluster;
      const current = status?.observedGeneration === metadata.generation && status?.phase === 'Running';
      return current && status?.readyReplicas === members && (await my.readyPods(ns, name)).length === members;
    },
    60_000,
  );

t.test('on the ServiceAccount alone: create, grow storage, delete with claimRetention Delete', async (t) => {
  const ns = await useNamespace(t, kc, 'rbac');
  // Not admitted by webhooks (none registered): the reconciler defaults the stored spec itself.
  await my.custom.createNamespacedCustomObject({
    ...mysqlTarget,
    namespace: ns,
    body: {
      apiVersion: MYSQLCLUSTER_API_VERSION,
      kind: 'MySQLCluster',
      metadata: { name: 'db' },
      spec: { replicas: 2, storage: { size: '1Gi', claimRetention: 'Delete' } },
    },
  });
  t.ok(await ready(ns, 'db', 2), 'two members Ready');
  t.ok(await core.readNamespacedSecret({ namespace: ns, name: 'db-root-password' }), 'the Secret created');
  const before = await apps.readNamespacedStatefulSet({ namespace: ns, name: 'db' });

  t.equal((await my.patch(ns, 'db', { storage: { size: '2Gi' } })).code, 0);
  const grown = await eventually('claims resized and the StatefulSet recreated', async () => {
    const claims = await my.claims(ns, 'db');
    const sts = await apps.readNamespacedStatefulSet({ namespace: ns, name: 'db' }).catch(() => undefined);
    const resized = claims.length === 2 && claims.every((c) => c.spec?.resources?.requests?.storage === '2Gi');
    return resized && sts && sts.metadata?.uid !== before.metadata?.uid && sts;
  });
  t.equal(grown.spec?.volumeClaimTemplates?.[0]?.spec?.resources?.requests?.storage, '2Gi');
  t.ok(await ready(ns, 'db', 2), 'Ready again');

  t.equal((await my.run(['delete', 'mysqlcluster', 'db', '-n', ns, '--wait=true', '--timeout=30s'])).code, 0);
  t.ok(
    await eventually('the claims are gone', async () => (await my.claims(ns, 'db')).length === 0),
    'the claims deleted',
  );
  const kept = await core.readNamespacedSecret({ namespace: ns, name: 'db-root-password' });
  t.ok(kept.metadata?.uid, 'the Secret kept: the ServiceAccount may not delete Secrets, and does not try');

  const log = await readFile(logPath, 'utf8');
  t.notMatch(log, /forbidden/i, 'no request was refused');
  t.notMatch(log, /"level":50/, 'no error logged');
});
