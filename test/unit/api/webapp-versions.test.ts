// convertWebApp (issue #35): any known version to any other through the hub, a copy when already
// there, and a message (no throw) for what is not a WebApp of a known version.
import t from 'tap';
import { WEBAPP_API_VERSIONS, convertWebApp } from '../../../src/api/webapp-versions.ts';
import type { JsonObject } from '../../../src/json/json.ts';

const v1: JsonObject = {
  apiVersion: 'shipshape.dev/v1',
  kind: 'WebApp',
  metadata: { name: 'shop' },
  spec: { image: 'nginx:1.27', port: 8080 },
};

t.test('the versions, oldest first', async (t) => {
  t.strictSame(WEBAPP_API_VERSIONS, ['shipshape.dev/v1', 'shipshape.dev/v2']);
});

t.test('to the other version and back; a copy when already there', async (t) => {
  const v2 = convertWebApp(v1, 'shipshape.dev/v2');
  t.strictSame(v2, {
    ok: true,
    object: {
      ...v1,
      apiVersion: 'shipshape.dev/v2',
      spec: { image: 'nginx:1.27', ports: [{ name: 'http', containerPort: 8080 }] },
    },
  });
  t.strictSame(convertWebApp(v2.ok && v2.object, 'shipshape.dev/v1'), { ok: true, object: v1 });
  const same = convertWebApp(v1, 'shipshape.dev/v1');
  t.strictSame(same, { ok: true, object: v1 });
  t.not(same.ok && same.object.spec, v1.spec, 'a copy, sharing nothing');
});

t.test('what cannot be converted, and why', async (t) => {
  const cases: [unknown, string, string][] = [
    [v1, 'shipshape.dev/v3', '"shipshape.dev/v3" is not a WebApp version (shipshape.dev/v1, shipshape.dev/v2)'],
    [[v1], 'shipshape.dev/v2', 'not an object'],
    [{ ...v1, kind: 'Deployment' }, 'shipshape.dev/v2', 'kind "Deployment" is not WebApp'],
    [
      { ...v1, apiVersion: 'shipshape.dev/v1beta1' },
      'shipshape.dev/v2',
      'apiVersion "shipshape.dev/v1beta1" is not a shipshape.dev WebApp version (shipshape.dev/v1, shipshape.dev/v2)',
    ],
    [
      { ...v1, apiVersion: 2 },
      'shipshape.dev/v2',
      'apiVersion 2 is not a shipshape.dev WebApp version (shipshape.dev/v1, shipshape.dev/v2)',
    ],
  ];
  for (const [object, apiVersion, message] of cases)
    t.strictSame(convertWebApp(object, apiVersion), { ok: false, message });
});
