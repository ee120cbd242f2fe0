// What adding a child kind to src/operator/child-kinds.ts must change besides its entry and its
// builder: the ClusterRole's rules and the CRD's description. Each fails here until it names the
// kind, so the list of kinds stays the one place a child is declared.
import t from 'tap';
import { toWebAppCrd } from '../../../src/api/crd.ts';
import { CHILD_RULES, toClusterRole } from '../../../src/manifests/rbac.ts';
import { CHILD_KINDS, describeKinds } from '../../../src/operator/child-kinds.ts';

/** The API group of an apiVersion: '' for the core group ("v1"), else what precedes the slash. */
const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0]! : '');
const VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

t.test('the ClusterRole lets the reconciler watch, apply and delete every child kind', async (t) => {
  const clusterRules = toClusterRole().rules ?? [];
  for (const { kind, apiVersion, plural } of CHILD_KINDS) {
    const granting = clusterRules.filter(
      (r) => r.apiGroups?.includes(groupOf(apiVersion)) && r.resources?.includes(plural) && !r.resourceNames,
    );
    t.same(
      [...new Set(granting.flatMap((r) => r.verbs))].sort(),
      [...VERBS].sort(),
      `${kind}: ${VERBS.join(', ')} on ${plural} in group "${groupOf(apiVersion)}"`,
    );
  }
});

t.test('and nothing else through the child rules (least privilege)', async (t) => {
  const granted = CHILD_RULES.flatMap((r) =>
    (r.apiGroups ?? []).flatMap((group) => (r.resources ?? []).map((resource) => `${group}/${resource}`)),
  ).sort();
  const owned = CHILD_KINDS.map((c) => `${groupOf(c.apiVersion)}/${c.plural}`).sort();
  t.same(granted, owned);
});

t.test("the CRD's description names every child kind", async (t) => {
  const description = String(toWebAppCrd().spec.versions[0]?.schema?.openAPIV3Schema?.description);
  for (const { kind } of CHILD_KINDS) t.match(description, kind, `names ${kind}`);
});

t.test('describeKinds joins a list as an Event message does', async (t) => {
  t.equal(
    describeKinds(CHILD_KINDS.map((c) => c.kind)),
    'ConfigMap, Deployment, Service, PodDisruptionBudget and HorizontalPodAutoscaler',
  );
  t.equal(describeKinds(['Service']), 'Service');
  t.equal(describeKinds([]), '');
});
