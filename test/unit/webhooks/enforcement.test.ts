// Warn before enforce: the validating webhook in `warn` and `enforce` mode, from the setting and
// from the Namespace annotation shipshape.dev/enforcement.
import t from 'tap';
import { withValidator } from '../../../src/admission/policy-adapters.ts';
import { enforcementOf } from '../../../webhooks/enforcement.ts';
import { DEFAULT_LIMITS } from '../../../webhooks/limits.ts';
import type { PolicyContext } from '../../../webhooks/policy.ts';
import { validateWebApp } from '../../../webhooks/validate-webapp.ts';
import { toRequest } from './request.ts';
import { fullWith, violations } from './validation.ts';

const policy = withValidator(validateWebApp);
const context = (enforcement?: 'warn' | 'enforce', annotations?: Record<string, string>): PolicyContext => ({
  config: { limits: DEFAULT_LIMITS, ...(enforcement && { enforcement }) },
  namespaceAnnotations: annotations,
});
const tooBig = () => fullWith({ replicas: 50, port: 80 });
const REASONS = ['spec.replicas: 50 exceeds the maximum of 10', 'spec.port: 80 is below the minimum of 1024'];

t.test('enforce (the default): limit violations deny, nothing would-deny', async (t) => {
  const decision = policy(toRequest(tooBig()), context());
  t.equal(decision.allowed, false);
  t.strictSame(violations(decision), REASONS);
  t.equal(decision.wouldDeny, undefined);
});

t.test('warn setting: admitted, one warning per limit naming it, counted as would-deny', async (t) => {
  const decision = policy(toRequest(tooBig()), context('warn'));
  t.equal(decision.allowed, true);
  t.strictSame(decision.warnings, [
    'spec.replicas: 50 exceeds the maximum of 10 (limit max-replicas); this request would be denied under enforcement (setting enforcement is warn)',
    'spec.port: 80 is below the minimum of 1024 (limit min-port); this request would be denied under enforcement (setting enforcement is warn)',
  ]);
  t.strictSame(decision.wouldDeny, [
    { setting: 'max-replicas', reason: REASONS[0] },
    { setting: 'min-port', reason: REASONS[1] },
  ]);
});

t.test('the namespace annotation overrides the setting both ways', async (t) => {
  const warned = policy(toRequest(tooBig()), context('enforce', { 'shipshape.dev/enforcement': 'warn' }));
  t.equal(warned.allowed, true);
  t.match(warned.warnings[0], /\(namespace annotation shipshape\.dev\/enforcement is warn\)$/);
  const enforced = policy(toRequest(tooBig()), context('warn', { 'shipshape.dev/enforcement': 'enforce' }));
  t.equal(enforced.allowed, false);
  t.strictSame(violations(enforced), REASONS, 'the same reasons as the warnings named');
});

t.test('a malformed annotation is ignored with a warning', async (t) => {
  const decision = policy(toRequest(tooBig()), context(undefined, { 'shipshape.dev/enforcement': 'audit' }));
  t.equal(decision.allowed, false, 'the setting (enforce) applies');
  t.strictSame(decision.warnings, [
    'namespace annotation shipshape.dev/enforcement="audit" is not one of warn, enforce; using enforce',
  ]);
  t.strictSame(enforcementOf(context('warn', { 'shipshape.dev/enforcement': '' })), {
    mode: 'warn',
    source: 'setting',
    warning: 'namespace annotation shipshape.dev/enforcement="" is not one of warn, enforce; using warn',
  });
});

t.test('warn still denies what cannot be built, and keeps the limit warnings beside the denial', async (t) => {
  const decision = policy(toRequest(fullWith({ replicas: 50, image: 'Not An Image' })), context('warn'));
  t.equal(decision.allowed, false);
  t.strictSame(violations(decision), ['spec.image: "Not An Image" is not a valid image reference']);
  t.match(decision.warnings[0], /^spec\.replicas: 50 exceeds the maximum of 10 \(limit max-replicas\); this request/);
  t.strictSame(
    decision.wouldDeny?.map((d) => d.setting),
    ['max-replicas'],
  );
});

t.test('warn on UPDATE: a ratcheted violation stays a ratchet warning, a new one is would-deny', async (t) => {
  const oldObject = fullWith({ replicas: 12 });
  const same = policy(toRequest(fullWith({ replicas: 12 }), { operation: 'UPDATE', oldObject }), context('warn'));
  t.equal(same.allowed, true);
  t.equal(same.wouldDeny, undefined);
  t.match(same.warnings, [/allowed because the stored object already has this value/]);
  const grown = policy(toRequest(fullWith({ replicas: 13 }), { operation: 'UPDATE', oldObject }), context('warn'));
  t.equal(grown.allowed, true);
  t.strictSame(grown.wouldDeny, [{ setting: 'max-replicas', reason: 'spec.replicas: 13 exceeds the maximum of 10' }]);
});

t.test('the denied list and the service port name their settings', async (t) => {
  const config: PolicyContext = {
    config: { limits: { ...DEFAULT_LIMITS, deniedPorts: [9090], maxServicePort: 8000 }, enforcement: 'warn' },
    namespaceAnnotations: undefined,
  };
  const decision = policy(toRequest(fullWith({ port: 9090, service: { type: 'ClusterIP', port: 9000 } })), config);
  t.strictSame(
    decision.wouldDeny?.map((d) => d.setting),
    ['denied-ports', 'max-service-port'],
  );
});
