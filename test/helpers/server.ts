import { pino } from 'pino';
import { createCertificateAuthority } from '../../src/pki/certificates.ts';
import { buildServer, type ServerDeps } from '../../src/server/build-server.ts';
import { DEFAULT_LIMITS } from '../../webhooks/limits.ts';

/** A server for app.inject(), with a throwaway certificate and default limits. */
export async function buildTestServer(overrides: Partial<ServerDeps> = {}) {
  const ca = await createCertificateAuthority('test-ca');
  const pair = await ca.issue({ commonName: 'test', hosts: ['127.0.0.1'], usage: 'server' });
  return buildServer({
    tls: { cert: pair.certPem, key: pair.keyPem },
    logger: pino({ level: 'silent' }),
    policyConfig: { limits: DEFAULT_LIMITS },
    namespaceAnnotations: () => undefined,
    readiness: [],
    bodyLimit: 1024 * 1024,
    ...overrides,
  });
}

export function admissionReview(object: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'c0ffee00-0000-4000-8000-000000000001',
      kind: { group: 'shipshape.dev', version: 'v1', kind: 'WebApp' },
      resource: { group: 'shipshape.dev', version: 'v1', resource: 'webapps' },
      name: (object.metadata as { name?: string } | undefined)?.name,
      namespace: 'team-a',
      operation: 'CREATE',
      userInfo: { username: 'alice' },
      object,
      oldObject: null,
      dryRun: false,
      ...extra,
    },
  };
}

export const minimalWebApp = () => ({
  apiVersion: 'shipshape.dev/v1',
  kind: 'WebApp',
  metadata: { name: 'shop', namespace: 'team-a' },
  spec: { image: 'nginx:1.27' },
});
