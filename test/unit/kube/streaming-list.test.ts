// Streaming lists (src/kube/streaming-list.ts) as their caller sees them, over a scripted Watch: what
// the apiserver's events become, when the plain LIST is used instead, and how a stream that fails
// before its initial events end is reported. The real apiserver's side is in
// test/integration/resilient-informer.test.ts.
import type { KubernetesListObject, KubernetesObject, Watch } from '@kubernetes/client-node';
import { pino } from 'pino';
import t from 'tap';
import { INITIAL_EVENTS_END, StreamingListError, createStreamingList } from '../../../src/kube/streaming-list.ts';

type Obj = KubernetesObject & { data?: Record<string, string>; metadata: { name: string; resourceVersion?: string } };
type Callback = (type: string, obj: unknown, raw: unknown) => void;
type Done = (err: unknown) => void;
/** What one call of `watch` does with its callbacks; it may answer with an error instead. */
type Script = (callback: Callback, done: Done) => void;

const obj = (name: string, extra: object = {}): Obj => ({ metadata: { name, managedFields: [{}] }, ...extra });
const endOfInitial = (resourceVersion: string) => ({
  metadata: { resourceVersion, annotations: { [INITIAL_EVENTS_END]: 'true' } },
});
const httpError = (statusCode: number) => Object.assign(new Error('refused'), { statusCode });

function scriptedWatch(scripts: Script[]) {
  const calls: { path: string; query: Record<string, unknown>; aborted: () => boolean }[] = [];
  const watch: Pick<Watch, 'watch'> = {
    async watch(path, query, callback, done) {
      const controller = new AbortController();
      calls.push({ path, query, aborted: () => controller.signal.aborted });
      const script = scripts.shift();
      if (!script) throw new Error('no more scripted watches');
      // client-node's Watch reports a non-200 answer through done(), after the returned promise.
      queueMicrotask(() => script(callback as Callback, done as Done));
      return controller;
    },
  };
  return { watch, calls };
}

function setup(scripts: Script[], lists: Obj[][] = []) {
  const { watch, calls } = scriptedWatch(scripts);
  const lines: { msg: string; status?: number }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  let listCalls = 0;
  const list = async (): Promise<KubernetesListObject<Obj>> => {
    listCalls++;
    const items = lists.shift();
    if (!items) throw new Error('no more scripted lists');
    return { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '7' }, items };
  };
  const transform = (o: Obj): Obj => ({ metadata: { name: o.metadata.name }, ...(o.data && { data: o.data }) });
  const stream = createStreamingList<Obj>({
    watch,
    path: '/api/v1/configmaps',
    labelSelector: 'a=b',
    transform,
    list,
    logger,
  });
  return { stream, calls, lines, listCalls: () => listCalls };
}

t.test('initial events become the list, each transformed; the bookmark gives its resourceVersion', async (t) => {
  const { stream, calls, listCalls } = setup([
    (cb) => {
      cb('ADDED', obj('a', { data: { k: '1' } }), {});
      cb('ADDED', obj('b'), {});
      cb('BOOKMARK', { metadata: { resourceVersion: '40' } }, {});
      cb('ADDED', obj('c'), {});
      cb('BOOKMARK', endOfInitial('42'), {});
      cb('ADDED', obj('late'), {});
    },
  ]);
  const list = await stream();
  t.same(
    list.items,
    [{ metadata: { name: 'a' }, data: { k: '1' } }, { metadata: { name: 'b' } }, { metadata: { name: 'c' } }],
    'the ADDED objects before the end, transformed (no managedFields); a plain bookmark is not an item',
  );
  t.equal(list.metadata?.resourceVersion, '42', "the end bookmark's resourceVersion");
  t.same(
    calls[0]?.query,
    {
      sendInitialEvents: true,
      resourceVersionMatch: 'NotOlderThan',
      allowWatchBookmarks: true,
      labelSelector: 'a=b',
      fieldSelector: undefined,
    },
    'asks for a streaming list with the selector',
  );
  t.equal(calls[0]?.path, '/api/v1/configmaps');
  t.ok(calls[0]?.aborted(), 'the stream is closed at the end bookmark');
  t.equal(listCalls(), 0, 'no LIST');
});

t.test('an apiserver that refuses it (422, 400): the LIST, from then on, said once', async (t) => {
  const { stream, calls, lines, listCalls } = setup([(_cb, done) => done(httpError(422))], [[obj('a')], [obj('b')]]);
  t.same((await stream()).items, [{ metadata: { name: 'a' } }], "the LIST's items, transformed");
  t.same((await stream()).items, [{ metadata: { name: 'b' } }]);
  t.equal(calls.length, 1, 'streaming is not tried again');
  t.equal(listCalls(), 2);
  const said = lines.filter((l) => /refused a streaming list/.test(l.msg));
  t.equal(said.length, 1, 'said once');
  t.equal(said[0]?.status, 422);
});

t.test(
  "another HTTP error (404: a CRD not installed): this call is the LIST's, whose error is the caller's",
  async (t) => {
    const { stream, calls, listCalls } = setup(
      [(_cb, done) => done(httpError(404)), (cb) => cb('BOOKMARK', endOfInitial('9'), {})],
      [[obj('a')]],
    );
    t.same((await stream()).items, [{ metadata: { name: 'a' } }], 'the LIST answered this call');
    t.same((await stream()).items, [], 'the next call streams again');
    t.equal(calls.length, 2);
    t.equal(listCalls(), 1);
  },
);

t.test('a stream that fails before its initial events end rejects with a code; nothing half-listed', async (t) => {
  const { stream, listCalls } = setup([
    (cb, done) => {
      cb('ADDED', obj('a'), {});
      done(null);
    },
    (cb) => cb('ERROR', { kind: 'Status', code: 500, message: 'etcd is down' }, {}),
    (cb, done) => {
      cb('ADDED', obj('a'), {});
      done(new Error('socket hang up'));
    },
  ]);
  await t.rejects(stream(), { code: 'WATCH_LIST_ENDED' }, 'the connection closed before the end bookmark');
  const error = await stream().catch((err: unknown) => err);
  t.ok(error instanceof StreamingListError, 'an ERROR event');
  t.match(error, { code: 'WATCH_LIST_ERROR', message: /etcd is down/ });
  await t.rejects(stream(), { message: 'socket hang up' }, 'a connection error is passed on as it is');
  t.equal(listCalls(), 0, 'none of them is papered over with a LIST');
});
