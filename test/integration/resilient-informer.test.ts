// The list-watch cache against a real kube-apiserver: objects reach the cache and its listeners
// without metadata.managedFields, whether they came from the first list or from the watch.
import type { KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import { pino } from 'pino';
import t from 'tap';
import { serverSideApply } from '../../src/kube/apply.ts';
import { createJsonClient } from '../../src/kube/json-client.ts';
import { createResilientInformer } from '../../src/kube/resilient-informer.ts';
import { eventually } from '../helpers/eventually.ts';
import { useControlPlane, useNamespace } from '../helpers/control-plane.ts';

const { kc } = await useControlPlane(t, { nodes: 0 });
const namespace = await useNamespace(t, kc, 'informer');
const client = createJsonClient(kc);
type ConfigMap = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; managedFields?: object[] };
  data: Record<string, string>;
};
const configMap = (name: string, data: Record<string, string>): ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace },
  data,
});
const apply = (cm: ConfigMap) => serverSideApply(client, cm, { plural: 'configmaps', fieldManager: 'informer-test' });

t.test('cached objects carry no managedFields, listed or watched', async (t) => {
  const listed = await apply(configMap('listed', { A: '1' }));
  t.ok(listed.metadata.managedFields, 'the apiserver returns managedFields');
  const path = `/api/v1/namespaces/${namespace}/configmaps`;
  const seen: ConfigMap[] = [];
  const informer = createResilientInformer<ConfigMap>({
    kc,
    path,
    list: () => client.request('GET', path),
    logger: pino({ level: 'silent' }),
    onChange: (obj) => seen.push(obj),
  });
  const stop = new AbortController();
  const running = informer.start(stop.signal);
  t.teardown(async () => {
    stop.abort();
    await running;
  });
  await eventually('the first list', async () => informer.hasSynced());
  t.equal(informer.get('listed', namespace)?.data.A, '1');
  t.equal(informer.get('listed', namespace)?.metadata.managedFields, undefined, 'listed: none');

  await apply(configMap('watched', { B: '1' }));
  await apply(configMap('listed', { A: '2' }));
  await eventually('both changes watched', async () => {
    return informer.get('listed', namespace)?.data.A === '2' && informer.get('watched', namespace);
  });
  t.equal(informer.get('watched', namespace)?.metadata.managedFields, undefined, 'added by the watch: none');
  t.equal(informer.get('listed', namespace)?.metadata.managedFields, undefined, 'updated by the watch: none');
  t.ok(seen.length >= 3, 'listeners were told of each');
  t.ok(
    seen.every((o) => o.metadata.managedFields === undefined),
    'listeners get them stripped too',
  );
});

t.test('a resource the apiserver does not serve: one error line with the hint, then retries', async (t) => {
  const path = '/apis/nothing.shipshape.dev/v1/things';
  const lines: { level: number; msg: string; path?: string }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const informer = createResilientInformer({
    kc,
    path,
    list: () => client.request<KubernetesListObject<KubernetesObject>>('GET', path),
    logger,
    notFoundHint: 'install the Thing CRD',
  });
  const stop = new AbortController();
  const running = informer.start(stop.signal);
  await eventually(
    'two failed lists',
    async () => lines.filter((l) => l.msg === 'watch failed; restarting').length >= 2,
  );
  stop.abort();
  await running;
  const errors = lines.filter((l) => l.level === 50);
  t.equal(errors.length, 1, 'said once, not at every retry');
  t.equal(errors[0]?.msg, `the apiserver serves no ${path}: install the Thing CRD`);
  t.equal(errors[0]?.path, path);
  t.notOk(informer.hasSynced());
});

t.test('the list is streamed: no LIST, each object transformed as it arrives, the watch goes on after', async (t) => {
  const label = 'streamed=yes';
  const count = 30;
  for (let i = 0; i < count; i++) {
    const cm = configMap(`streamed-${i}`, { I: String(i) });
    await apply({ ...cm, metadata: { ...cm.metadata, labels: { streamed: 'yes' } } } as ConfigMap);
  }
  await apply(configMap('not-selected', { X: '1' }));
  const path = `/api/v1/namespaces/${namespace}/configmaps`;
  let listCalls = 0;
  let transformed = 0;
  const informer = createResilientInformer<ConfigMap>({
    kc,
    path,
    labelSelector: label,
    list: () => {
      listCalls++;
      return client.request('GET', path, { query: { labelSelector: label } });
    },
    transform: (o) => {
      transformed++;
      return { ...o, metadata: { name: o.metadata.name, namespace: o.metadata.namespace } };
    },
    logger: pino({ level: 'silent' }),
  });
  const stop = new AbortController();
  const running = informer.start(stop.signal);
  t.teardown(async () => {
    stop.abort();
    await running;
  });
  await eventually('the streamed list', async () => informer.hasSynced());
  t.equal(listCalls, 0, 'the plain LIST was not used');
  t.equal(informer.list(namespace).length, count, 'every selected object, and only those');
  t.equal(transformed, count, 'each transformed once');
  t.equal(informer.get('streamed-7', namespace)?.data.I, '7');
  t.same(Object.keys(informer.get('streamed-7', namespace)?.metadata ?? {}), ['name', 'namespace'], 'as transformed');

  const cm = configMap('streamed-7', { I: 'changed' });
  await apply({ ...cm, metadata: { ...cm.metadata, labels: { streamed: 'yes' } } } as ConfigMap);
  await client.request('DELETE', `${path}/streamed-8`);
  await eventually('the watch after the list', async () => {
    return informer.get('streamed-7', namespace)?.data.I === 'changed' && !informer.get('streamed-8', namespace);
  });
  t.equal(listCalls, 0, 'still no LIST');
});
