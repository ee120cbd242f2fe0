import t from 'tap';
import { planReviews } from '../../../src/cli/targets.ts';

t.test('planReviews: WebApps are reviewed, UPDATEs matched by namespace and name, the rest skipped', async (t) => {
  const webApp = (name: string, namespace?: string, generateName?: string) => ({
    apiVersion: 'shipshape.dev/v1',
    kind: 'WebApp',
    metadata: { ...(name && { name }), ...(namespace && { namespace }), ...(generateName && { generateName }) },
    spec: { image: 'a:1' },
  });
  const doc = (object: Record<string, unknown>, line = 1) => ({ source: 'f.yaml', line, object });
  const stored = webApp('a', 'prod');
  const planned = planReviews(
    [
      doc(webApp('a', 'prod')),
      doc(webApp('a')),
      doc(webApp('', 'prod', 'web-')),
      doc({ apiVersion: 'shipshape.dev/v2', kind: 'WebApp', metadata: { name: 'x' } }),
      doc({ kind: 'Thing' }),
    ],
    [doc(stored), doc({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'default' } })],
    'default',
  );
  t.match(planned, [
    { namespace: 'prod', name: 'a', target: { namespace: 'prod', oldObject: stored } },
    { namespace: 'default', name: 'a', target: { namespace: 'default' } },
    { namespace: 'prod', name: 'web-*', target: { namespace: 'prod' } },
    { apiVersion: 'shipshape.dev/v2', name: 'x', target: { namespace: 'default' } },
    {
      apiVersion: '(no apiVersion)',
      kind: 'Thing',
      name: '(no name)',
      skipped: 'not a shipshape.dev/v1 or shipshape.dev/v2 WebApp',
    },
  ]);
  t.notOk('oldObject' in (planned[1] as { target: object }).target, 'a WebApp in another namespace is a CREATE');
  t.notOk('oldObject' in (planned[2] as { target: object }).target);
});
