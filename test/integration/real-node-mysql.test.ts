// A MySQLCluster on the real node (issue #36): Shipshape against a control plane whose Pods run as
// real containers (startDevEnvironment with `realNode`), the database image of
// scripts/build-database-image.sh imported into the node's containerd (MariaDB from Debian's
// packages, standing in for MySQL: Debian does not package Oracle's server). The cluster's claim
// binds to a folder of the host-path provisioner, its Pod turns Running and Ready on the node, and
// the MySQLCluster reports Ready. The server really works with the generated root password, which
// the test only ever names as the Pod's own $MYSQL_ROOT_PASSWORD (`kubectl exec`, expanded inside
// the Pod into MYSQL_PWD: on no command line of ours, in no output): a wrong or absent password is
// refused, my.cnf from the ConfigMap is read, and a row written survives the Pod's deletion (the
// StatefulSet recreates it on the same claim). Deleting the MySQLCluster (claimRetention Retain, the
// default) removes its StatefulSet and Pod and keeps the claim, the data's folder and the Secret.
//
// In `npm run test:node` (it needs root and scripts/install-node.sh's build). The image is built
// here on the first run on a machine (30 s to 1.5 minutes: debootstrap and apt), then cached.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { MYSQLCLUSTER_API_VERSION, type MySQLCluster } from '../../src/api/mysqlcluster.ts';
import { startDevEnvironment } from '../../src/dev/dev-environment.ts';
import { runRepoScript } from '../../src/dev/repo-script.ts';
import { HOSTPATH_VOLUMES_DIR } from '../../src/control-plane/host-path-storage.ts';
import { useNamespace } from '../helpers/control-plane.ts';
import { eventually } from '../helpers/eventually.ts';
import { kubectl } from '../helpers/kubectl.ts';

if (process.getuid?.() !== 0) {
  t.plan(0, 'a real node needs root');
  process.exit(0);
}
t.setTimeout(10 * 60_000); // as `npm run test:node` gives tap (--timeout=600)

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

let started = Date.now();
const [archive, image] = (await runRepoScript('build-database-image.sh', 2)) as [string, string];
t.comment(`database image ${image} ready ${seconds(started)} after its build began`);

started = Date.now();
const env = await startDevEnvironment({ realNode: {} });
t.teardown(() => env.stop());
const node = env.node!;
t.comment(`control plane, real node and Shipshape ready in ${seconds(started)}`);
started = Date.now();
await node.importImage(archive);
t.comment(`image imported into the node's containerd in ${seconds(started)}`);

const k = (...args: string[]) => kubectl(env.cp.kubeconfigPath, args);
const getJson = async <T>(...args: string[]): Promise<T> => {
  const got = await k('get', ...args, '-o', 'json');
  if (got.code !== 0) throw new Error(`kubectl get ${args.join(' ')}: ${got.stderr}`);
  return JSON.parse(got.stdout) as T;
};
type Pod = {
  metadata: { uid: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status: { phase?: string; conditions?: Array<{ type: string; status: string }> };
};
type Claim = { status: { phase?: string }; spec: { volumeName?: string; storageClassName?: string } };
type Volume = { spec: { hostPath?: { path: string } } };
const isReady = (p: Pod) =>
  p.status.phase === 'Running' &&
  !p.metadata.deletionTimestamp &&
  !!p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

t.test(
  'a MySQLCluster serves real data on the real node, kept on its claim across a Pod and the cluster',
  async (t) => {
    const ns = await useNamespace(t, env.kc, 'mysql-node');
    const name = 'db';
    const pod = `${name}-0`;
    const claimName = `data-${name}-0`;
    const cluster = {
      apiVersion: MYSQLCLUSTER_API_VERSION,
      kind: 'MySQLCluster',
      metadata: { name, namespace: ns },
      // The version is MariaDB's: the image's, which spec.image overrides.
      spec: { version: '10.11', image, replicas: 1, storage: { size: '1Gi' }, settings: { max_connections: '42' } },
    };
    const created = Date.now();
    const applied = await kubectl(env.cp.kubeconfigPath, ['apply', '-f', '-'], JSON.stringify(cluster));
    t.equal(applied.code, 0, `kubectl apply: ${applied.stderr}`);

    const diagnose = async (err: Error) => {
      const got = await k('get', 'mysqlcluster,statefulset,pods,pvc,events', '-n', ns, '-o', 'wide');
      throw new Error(`${err.message}\n${got.stdout}${got.stderr}`);
    };
    const claim = await eventually(
      'the claim Bound',
      async () => {
        const c = await getJson<Claim>('pvc', claimName, '-n', ns).catch(() => undefined);
        return c?.status.phase === 'Bound' && c;
      },
      60_000,
    ).catch(diagnose);
    t.equal(claim.spec.storageClassName, 'shipshape-test-hostpath', 'to the default StorageClass');
    const volume = await getJson<Volume>('pv', claim.spec.volumeName!);
    const folder = volume.spec.hostPath?.path ?? '';
    t.equal(join(folder, '..'), HOSTPATH_VOLUMES_DIR, `its volume a host folder of the provisioner (${folder})`);

    const first = await eventually(
      `${pod} Running and Ready`,
      async () => {
        const p = await getJson<Pod>('pod', pod, '-n', ns).catch(() => undefined);
        return p && isReady(p) && p;
      },
      180_000,
    ).catch(diagnose);
    t.comment(`${pod} Running and Ready ${seconds(created)} after kubectl apply`);
    t.equal(first.spec.nodeName, node.name, 'on the real node');
    const status = await eventually(
      'the MySQLCluster Ready',
      async () => {
        const { status } = await getJson<MySQLCluster>('mysqlcluster', name, '-n', ns);
        const ready = status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
        return ready && status;
      },
      60_000,
    ).catch(diagnose);
    t.match(status, { phase: 'Running', readyReplicas: 1, currentVersion: '10.11' }, 'it reports Ready');

    // The password as the Secret holds it: read only to be looked for where it must not be.
    const secret = await getJson<{ data: Record<string, string> }>('secret', `${name}-root-password`, '-n', ns);
    const password = Buffer.from(secret.data['root-password'] ?? '', 'base64').toString();
    t.ok(password.length >= 32, 'the Secret holds a generated password');
    const outputs: string[] = [];
    /** `statement` run in the Pod by the mariadb client over TCP, as root with `pwd` (shell text). */
    const sql = async (statement: string, pwd = '"$MYSQL_ROOT_PASSWORD"', target = pod) => {
      const script = `MYSQL_PWD=${pwd} exec mariadb -h127.0.0.1 -uroot -N -B -e "$0"`;
      const run = await k('exec', '-n', ns, target, '-c', 'mysql', '--', 'sh', '-c', script, statement);
      outputs.push(run.stdout, run.stderr);
      return run;
    };

    const one = await sql('select 1');
    t.strictSame([one.code, one.stdout.trim()], [0, '1'], "root signs in with the Secret's password (kubectl exec)");
    const wrong = await sql('select 1', 'not-the-password');
    t.not(wrong.code, 0, 'a wrong password is refused');
    t.match(wrong.stderr, /Access denied for user 'root'/, 'with Access denied');
    const socket = await k('exec', '-n', ns, pod, '-c', 'mysql', '--', 'mariadb', '-uroot', '-e', 'select 1');
    t.not(socket.code, 0, 'no password over the local socket is refused too (no unix_socket sign-in)');
    t.match(socket.stderr, /Access denied for user 'root'@'localhost' \(using password: NO\)/, 'by the server');
    const setting = await sql('select @@max_connections');
    t.equal(setting.stdout.trim(), '42', "the ConfigMap's my.cnf is read (spec.settings.max_connections)");

    const write = await sql(
      "create database shop; create table shop.orders (id int primary key, item varchar(40)) engine=InnoDB; insert into shop.orders values (1, 'kept across restarts')",
    );
    t.equal(write.code, 0, `a row written ${write.stderr}`);
    t.ok(existsSync(join(folder, 'shop', 'orders.ibd')), "its table is a file in the claim's host folder");

    const firstLogs = await k('logs', '-n', ns, pod, '-c', 'mysql');
    t.match(
      firstLogs.stdout + firstLogs.stderr,
      /entrypoint: initialising \/var\/lib\/mysql/,
      'the first start initialised',
    );
    outputs.push(firstLogs.stdout, firstLogs.stderr);

    const deleting = Date.now();
    const deleted = await k('delete', 'pod', pod, '-n', ns, '--wait=true');
    t.equal(deleted.code, 0, `kubectl delete pod ${pod} ${deleted.stderr}`);
    const second = await eventually(
      `${pod} recreated, Running and Ready`,
      async () => {
        const p = await getJson<Pod>('pod', pod, '-n', ns).catch(() => undefined);
        return p && p.metadata.uid !== first.metadata.uid && isReady(p) && p;
      },
      180_000,
    ).catch(diagnose);
    t.comment(`${pod} Ready again ${seconds(deleting)} after kubectl delete pod`);
    t.equal(second.spec.nodeName, node.name, 'the new Pod on the real node too');
    const read = await sql('select item from shop.orders where id = 1');
    t.strictSame([read.code, read.stdout.trim()], [0, 'kept across restarts'], 'the row survived on the claim');
    const logs = await k('logs', '-n', ns, pod, '-c', 'mysql');
    t.equal(logs.code, 0, `kubectl logs ${logs.stderr}`);
    t.notMatch(logs.stdout + logs.stderr, /initialising/, 'the second start kept the data directory as it was');
    outputs.push(logs.stdout, logs.stderr);

    const removing = await kubectl(env.cp.kubeconfigPath, ['delete', 'mysqlcluster', name, '-n', ns, '--wait=true']);
    t.equal(removing.code, 0, `kubectl delete mysqlcluster ${removing.stderr}`);
    await eventually(
      'the StatefulSet and its Pod gone',
      async () => {
        const left = await k('get', 'statefulset,pods', '-n', ns, '-o', 'name');
        return left.code === 0 && left.stdout.trim() === '';
      },
      120_000,
    ).catch(diagnose);
    t.pass('the StatefulSet and its Pod are gone');
    const kept = await getJson<Claim>('pvc', claimName, '-n', ns);
    t.equal(kept.status.phase, 'Bound', 'the claim is kept (claimRetention Retain), still Bound');
    t.ok(existsSync(join(folder, 'shop', 'orders.ibd')), 'and its data is still in the host folder');
    t.equal((await k('get', 'secret', `${name}-root-password`, '-n', ns)).code, 0, 'the root password Secret is kept');

    const events = await k('get', 'events', '-n', ns, '-o', 'json');
    outputs.push(events.stdout);
    t.notOk(
      outputs.some((text) => text.includes(password)),
      'the password is in no output read: exec, logs, Events',
    );

    // Cleaned up: the claim, whose volume's reclaim policy (Delete) removes the folder.
    t.equal((await k('delete', 'pvc', claimName, '-n', ns, '--wait=true')).code, 0, 'the claim deleted');
    await eventually('the folder removed with its volume', async () => !existsSync(folder), 60_000);
    t.pass("the volume's folder is removed by the provisioner's deleter");
  },
);
