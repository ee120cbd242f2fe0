// The review flow: offline it gives exactly what calling the policies in the apiserver's order
// gives; with any webhooks it reads their answers as the apiserver does.
import { readdirSync } from 'node:fs';
import t from 'tap';
import { CliError } from '../../../src/cli/cli-error.ts';
import { reviewOffline } from '../../../src/cli/review-offline.ts';
import { type CallWebhook, KUBE_APISERVER, review, toInvalidMessage, toReasons } from '../../../src/cli/review.ts';
import { toWebAppCrd } from '../../../src/api/crd.ts';
import { unknownFields, validateCustomResource } from '../../../src/api/schema-validation.ts';
import { MUTATE_PATH, MUTATING_WEBHOOK_NAME, VALIDATE_PATH } from '../../../src/constants.ts';
import { withDefaulter, withValidator } from '../../../src/admission/policy-adapters.ts';
import { defaultWebApp } from '../../../webhooks/default-webapp.ts';
import { applyJsonPatch } from '../../../src/json/json-patch.ts';
import { DEFAULT_LIMITS } from '../../../webhooks/limits.ts';
import { validateWebApp } from '../../../webhooks/validate-webapp.ts';
import { loadFixtures, toContext, toRequest } from '../webhooks/request.ts';
import type { JsonObject } from '../../../src/json/json.ts';

const fixtures = readdirSync(new URL('../../fixtures/webapps/', import.meta.url)).map((f) => f.replace(/\.yaml$/, ''));
const config = { limits: DEFAULT_LIMITS, defaultResources: { requests: { cpu: '100m' }, limits: { memory: '1Gi' } } };

t.test('offline: the apiserver order: strict decoding, mutation, the CRD schema, validation', async (t) => {
  const schema = toWebAppCrd().spec.versions[0]!.schema.openAPIV3Schema;
  const stages = new Set<string>();
  for (const name of fixtures) {
    for (const [i, object] of loadFixtures(name).entries()) {
      const namespace = 'team-a';
      const label = `${name}[${i}]`;
      const result = await reviewOffline({ object, namespace }, { config });
      const unknown = unknownFields(object, schema);
      if (unknown.length) {
        stages.add('decode');
        t.equal(result.allowed, false, `${label}: refused while decoding`);
        t.equal(result.deniedBy, KUBE_APISERVER);
        t.strictSame(
          result.reasons,
          unknown.map((p) => `unknown field "${p}"`),
        );
        t.strictSame(result.patch, [], `${label}: no webhook was asked`);
        continue;
      }
      const context = toContext({ defaultResources: config.defaultResources });
      const mutation = withDefaulter(defaultWebApp)(toRequest(object, { namespace }), context);
      const patched = applyJsonPatch(object, mutation.patch) as JsonObject;
      t.strictSame(result.patch, mutation.patch ?? [], `${label}: the mutating webhook's patch`);
      t.strictSame(result.object, patched, `${label}: checked after the patch`);
      const invalid = validateCustomResource(patched, schema);
      if (invalid.length) {
        stages.add('schema');
        t.equal(result.allowed, false, `${label}: the schema refuses it`);
        t.equal(result.deniedBy, KUBE_APISERVER);
        t.strictSame(result.reasons, invalid, `${label}: every schema error`);
        t.equal(result.message, toInvalidMessage(patched, invalid));
        continue;
      }
      stages.add('validate');
      const validation = withValidator(validateWebApp)(toRequest(patched, { namespace }), context);
      t.equal(result.allowed, validation.allowed, `${label}: the validating decision`);
      t.equal(result.message, validation.status?.message, `${label}: its message`);
      t.strictSame(result.warnings, validation.warnings, `${label}: the warnings`);
    }
  }
  t.strictSame([...stages].sort(), ['decode', 'schema', 'validate'], 'the fixtures reach every stage');
});

t.test('offline: namespace annotations adjust the limits as the server cache would', async (t) => {
  const object = { apiVersion: 'shipshape.dev/v1', kind: 'WebApp', metadata: { name: 'w' }, spec: { image: 'a:1' } };
  (object.spec as JsonObject).replicas = 15;
  const plain = await reviewOffline({ object, namespace: 'ns' }, { config });
  t.strictSame(plain.reasons, ['spec.replicas: 15 exceeds the maximum of 10']);
  const raised = await reviewOffline(
    { object, namespace: 'ns' },
    { config, namespaceAnnotations: { 'shipshape.dev/max-replicas': '20' } },
  );
  t.equal(raised.allowed, true);
});

t.test('offline: an UPDATE carries the old object', async (t) => {
  const object = loadFixtures('minimal')[0]!;
  const result = await reviewOffline({ object, oldObject: object, namespace: 'team-a' }, { config });
  t.equal(result.operation, 'UPDATE');
  t.equal(result.allowed, true);
});

/** Webhooks that answer from `answers` by path, recording the requests. */
function fakeWebhooks(answers: Record<string, (uid: string) => unknown>) {
  const calls: { path: string; request: JsonObject }[] = [];
  const call: CallWebhook = async (path, body) => {
    calls.push({ path, request: body.request as JsonObject });
    return answers[path]!(body.request.uid);
  };
  return { call, calls };
}

const answer = (uid: string, response: JsonObject) => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  response: { uid, ...response },
});
const object = { apiVersion: 'shipshape.dev/v1', kind: 'WebApp', metadata: { name: 'w' }, spec: { image: 'a:1' } };
const patch = [{ op: 'add', path: '/spec/replicas', value: 1 }];
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');

t.test('any webhooks: dry-run requests, the patched object validated, both warnings kept', async (t) => {
  const { call, calls } = fakeWebhooks({
    [MUTATE_PATH]: (uid) => answer(uid, { allowed: true, patchType: 'JSONPatch', patch: b64(patch), warnings: ['m'] }),
    [VALIDATE_PATH]: (uid) => answer(uid, { allowed: true, warnings: ['v'] }),
  });
  const result = await review({ object, namespace: 'ns' }, call);
  t.strictSame(result, {
    operation: 'CREATE',
    allowed: true,
    reasons: [],
    warnings: ['m', 'v'],
    patch,
    object: { ...object, spec: { image: 'a:1', replicas: 1 } },
  });
  t.strictSame(
    calls.map((c) => c.path),
    [MUTATE_PATH, VALIDATE_PATH],
  );
  t.match(calls[0]!.request, { operation: 'CREATE', namespace: 'ns', name: 'w', dryRun: true, object });
  t.match(calls[1]!.request, { object: { spec: { replicas: 1 } }, oldObject: null });
  t.not(calls[0]!.request.uid, calls[1]!.request.uid, 'a uid per request');
});

t.test('any webhooks: a mutating denial stops the review, as in the apiserver', async (t) => {
  const { call, calls } = fakeWebhooks({
    [MUTATE_PATH]: (uid) => answer(uid, { allowed: false, status: { code: 500, message: 'ADM_POLICY_FAILED: boom' } }),
  });
  const result = await review({ object, namespace: 'ns' }, call);
  t.match(result, { allowed: false, deniedBy: MUTATING_WEBHOOK_NAME, reasons: ['ADM_POLICY_FAILED: boom'], patch: [] });
  t.equal(calls.length, 1);
});

t.test('any webhooks: an answer that cannot be used is a CliError, never an allow', async (t) => {
  const cases: Record<string, (uid: string) => unknown> = {
    'another uid': () => answer('someone-else', { allowed: true }),
    'not a review': () => ({ hello: 'world' }),
    'a patch that is not base64 JSON': (uid) => answer(uid, { allowed: true, patchType: 'JSONPatch', patch: '!!' }),
    'a patch that does not apply': (uid) =>
      answer(uid, { allowed: true, patchType: 'JSONPatch', patch: b64([{ op: 'replace', path: '/nope', value: 1 }]) }),
  };
  for (const [name, mutate] of Object.entries(cases)) {
    const { call } = fakeWebhooks({ [MUTATE_PATH]: mutate, [VALIDATE_PATH]: (uid) => answer(uid, { allowed: true }) });
    await t.rejects(review({ object, namespace: 'ns' }, call), CliError, name);
  }
});

t.test('toReasons splits the validating message into its violations', async (t) => {
  t.strictSame(toReasons('WebApp "w" is invalid: spec.port: 80 is below the minimum of 1024; metadata.name: bad'), [
    'spec.port: 80 is below the minimum of 1024',
    'metadata.name: bad',
  ]);
  t.strictSame(
    toReasons('WebApp "w" is invalid: spec.image: "a; b: c" is not a valid image reference; spec.env[1].name: x'),
    ['spec.image: "a; b: c" is not a valid image reference', 'spec.env[1].name: x'],
    'a "; " inside a quoted value does not split',
  );
  t.strictSame(
    toReasons(String.raw`WebApp "w" is invalid: spec.image: "a\"; b" is bad; spec.port: 1 is below`),
    [String.raw`spec.image: "a\"; b" is bad`, 'spec.port: 1 is below'],
    'nor does one after an escaped quote',
  );
  t.strictSame(toReasons('ADM_DECODE: the request body is not JSON'), ['ADM_DECODE: the request body is not JSON']);
});
