// v2's defaults (src/api/defaults-v2.ts) against v1's: a WebApp defaulted at either version
// converts into the other defaulted the same way.
import t from 'tap';
import { DEFAULTS } from '../../../src/api/defaults.ts';
import { V2_DEFAULTS, defaultV2Spec } from '../../../src/api/defaults-v2.ts';
import { convertWebApp } from '../../../src/api/webapp-versions.ts';
import { WEBAPP_V2_API_VERSION } from '../../../src/api/webapp-v2.ts';
import { WEBAPP_API_VERSION } from '../../../src/constants.ts';

t.test('an empty spec gets v1 defaults in v2 shapes', async (t) => {
  t.strictSame(defaultV2Spec({ image: 'nginx:1.27' }), {
    image: 'nginx:1.27',
    replicas: 1,
    ports: [{ name: 'http', containerPort: 8080, servicePort: 80 }],
    env: [],
    service: { type: 'ClusterIP' },
  });
});

t.test('v1 defaulted, converted to v2, is the v2 default', async (t) => {
  const v1 = {
    apiVersion: WEBAPP_API_VERSION,
    kind: 'WebApp',
    metadata: { name: 'web' },
    spec: {
      image: 'nginx:1.27',
      replicas: DEFAULTS.replicas,
      port: DEFAULTS.port,
      env: [],
      service: { ...DEFAULTS.service },
    },
  };
  const converted = convertWebApp(v1, WEBAPP_V2_API_VERSION);
  t.ok(converted.ok);
  if (!converted.ok) return;
  const spec = (converted.object as { spec: Parameters<typeof defaultV2Spec>[0] }).spec;
  t.strictSame(spec, defaultV2Spec({ image: 'nginx:1.27' }), 'nothing left to default, and the same values');
});

t.test('given fields are kept; an empty port list stays empty; autoscaling is completed, never added', async (t) => {
  const spec = {
    image: 'app:1',
    replicas: 3,
    ports: [] as never[],
    env: [{ name: 'A', value: 'a' }],
    service: { type: 'NodePort' as const },
  };
  const defaulted = defaultV2Spec(spec);
  t.strictSame(defaulted, spec);
  t.not(defaulted.env, spec.env, 'a copy');
  t.notOk('autoscaling' in defaulted);
  t.strictSame(defaultV2Spec({ image: 'app:1', autoscaling: { maxReplicas: 5 } }).autoscaling, {
    maxReplicas: 5,
    ...V2_DEFAULTS.autoscaling,
  });
  t.strictSame(
    defaultV2Spec({
      image: 'app:1',
      autoscaling: { maxReplicas: 5, minReplicas: 2, targetCPUUtilizationPercentage: 60 },
    }).autoscaling,
    { maxReplicas: 5, minReplicas: 2, targetCPUUtilizationPercentage: 60 },
  );
});
