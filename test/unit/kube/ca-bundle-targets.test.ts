// The caBundle fields of the objects the apiserver trusts Shipshape through: one per webhook of a
// webhook configuration, one for the WebApp CRD while its conversion is a webhook, and the JSON
// Patch that sets each, guarded by a test of what it patches.
import t from 'tap';
import {
  CONVERSION_FIELD,
  WEBAPP_CRD_REF,
  caBundleFields,
  collectionPath,
  objectPath,
} from '../../../src/kube/ca-bundle-targets.ts';
import { toWebAppCrd } from '../../../src/api/crd.ts';

const validating = { kind: 'ValidatingWebhookConfiguration', name: 'shipshape-limits' } as const;

t.test('paths', async (t) => {
  t.equal(objectPath(WEBAPP_CRD_REF), '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/webapps.shipshape.dev');
  t.equal(
    objectPath(validating),
    '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/shipshape-limits',
  );
  t.equal(
    collectionPath('MutatingWebhookConfiguration'),
    '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations',
  );
});

t.test('a webhook configuration: one field per webhook, patched at its index after a name test', async (t) => {
  const fields = caBundleFields(validating, {
    webhooks: [{ name: 'a.shipshape.dev', clientConfig: { caBundle: 'QQ==' } }, { name: 'b.shipshape.dev' }],
  });
  t.strictSame(
    fields.map((f) => [f.name, f.caBundle]),
    [
      ['a.shipshape.dev', 'QQ=='],
      ['b.shipshape.dev', undefined],
    ],
  );
  t.strictSame(fields[1]!.patch('Qg=='), [
    { op: 'test', path: '/webhooks/1/name', value: 'b.shipshape.dev' },
    { op: 'add', path: '/webhooks/1/clientConfig/caBundle', value: 'Qg==' },
  ]);
  t.strictSame(caBundleFields(validating, {}), [], 'no webhooks, no fields');
});

t.test('the CRD: one field while its conversion strategy is Webhook', async (t) => {
  const crd = toWebAppCrd() as Parameters<typeof caBundleFields>[1];
  const [field, ...rest] = caBundleFields(WEBAPP_CRD_REF, crd);
  t.strictSame(rest, []);
  t.equal(field?.name, CONVERSION_FIELD);
  t.equal(field?.caBundle, undefined, 'the rendered CRD has none');
  t.strictSame(field?.patch('Qw=='), [
    { op: 'test', path: '/spec/conversion/strategy', value: 'Webhook' },
    { op: 'add', path: '/spec/conversion/webhook/clientConfig/caBundle', value: 'Qw==' },
  ]);
  const injected = toWebAppCrd({ conversion: { url: 'https://127.0.0.1:1/convert-webapps', caBundle: 'RA==' } });
  t.equal(caBundleFields(WEBAPP_CRD_REF, injected as typeof crd)[0]?.caBundle, 'RA==');
  t.strictSame(caBundleFields(WEBAPP_CRD_REF, { spec: { conversion: { strategy: 'None' } } }), [], 'strategy None');
  t.strictSame(caBundleFields(WEBAPP_CRD_REF, { spec: {} }), [], 'no conversion');
});
