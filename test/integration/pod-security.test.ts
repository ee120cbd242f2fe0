// Pod Security admission as the real apiserver enforces it (the PodSecurity plugin is on by
// default): what the install's pod template is judged by. A quiet control plane suffices.
import { ApiException, CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import t, { type Test } from 'tap';
import { useControlPlane, useNamespace } from '../helpers/control-plane.ts';

const { kc } = await useControlPlane(t, { nodes: 0 });
const core = kc.makeApiClient(CoreV1Api);

async function restrictedNamespace(t: Test): Promise<string> {
  const ns = await useNamespace(t, kc, 'psa');
  await core.patchNamespace({
    name: ns,
    body: [{ op: 'add', path: '/metadata/labels/pod-security.kubernetes.io~1enforce', value: 'restricted' }],
  });
  return ns;
}

const compliant = (name: string): V1Pod => ({
  metadata: { name },
  spec: {
    securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [
      {
        name: 'app',
        image: 'nginxinc/nginx-unprivileged:1.27',
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      },
    ],
  },
});

t.test('a privileged Pod is refused in a namespace enforcing restricted', async (t) => {
  const ns = await restrictedNamespace(t);
  const privileged: V1Pod = {
    metadata: { name: 'privileged' },
    spec: { containers: [{ name: 'app', image: 'nginx:1.27', securityContext: { privileged: true } }] },
  };
  const err = await core.createNamespacedPod({ namespace: ns, body: privileged }).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(err instanceof ApiException, 'the apiserver refuses it');
  t.equal((err as ApiException<unknown>).code, 403, 'with 403 Forbidden');
  const message = (JSON.parse(String((err as ApiException<unknown>).body)) as { message: string }).message;
  t.match(message, 'violates PodSecurity "restricted:latest": privileged (container "app" must not set');
  t.equal((await core.listNamespacedPod({ namespace: ns })).items.length, 0, 'nothing was stored');
});

t.test('the same namespace admits a Pod that meets restricted', async (t) => {
  const ns = await restrictedNamespace(t);
  const created = await core.createNamespacedPod({ namespace: ns, body: compliant('ok'), dryRun: 'All' });
  t.equal(created.metadata?.name, 'ok');
});

t.test('without runAsNonRoot the compliant Pod is refused too', async (t) => {
  const ns = await restrictedNamespace(t);
  const pod = compliant('root');
  delete pod.spec!.securityContext!.runAsNonRoot;
  delete pod.spec!.securityContext!.runAsUser;
  const err = await core.createNamespacedPod({ namespace: ns, body: pod, dryRun: 'All' }).then(
    () => undefined,
    (e: unknown) => e as ApiException<unknown>,
  );
  t.equal(err?.code, 403);
  t.match(String(err?.body), 'runAsNonRoot != true', 'the check has teeth');
});
