// The API paths the reconciler writes to, built without a discovery request.
import t from 'tap';
import { collectionPath, objectPath } from '../../../src/kube/apply.ts';

t.equal(objectPath('v1', 'configmaps', 'web', 'app-env'), '/api/v1/namespaces/web/configmaps/app-env', 'core group');
t.equal(
  objectPath('apps/v1', 'deployments', 'web', 'app'),
  '/apis/apps/v1/namespaces/web/deployments/app',
  'named group',
);
t.equal(
  objectPath('apiextensions.k8s.io/v1', 'customresourcedefinitions', undefined, 'webapps.shipshape.dev'),
  '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/webapps.shipshape.dev',
  'cluster-scoped: no namespace segment',
);
t.equal(objectPath('v1', 'configmaps', 'a b', 'x/y'), '/api/v1/namespaces/a%20b/configmaps/x%2Fy', 'segments escaped');
t.equal(collectionPath('policy/v1', 'poddisruptionbudgets'), '/apis/policy/v1/poddisruptionbudgets');
t.equal(collectionPath('v1', 'services'), '/api/v1/services');
