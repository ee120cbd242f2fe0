// Audit events of WebApp (or MySQLCluster) requests, shaped as kube-apiserver's log backend writes them, for the
// `review --audit-log` tests: one second apart, with auditIDs in the order they were made.

/** The object a request was made on, the version it was made at, and its resource (default webapps). */
export type AuditTarget = { name: string; version: string; resource?: string };

/** A maker of events numbered from 1; `fields` override or add to what the event holds. */
export function createAuditEvents() {
  let second = 0;
  return (verb: string, { name, version, resource = 'webapps' }: AuditTarget, fields: Record<string, unknown> = {}) => {
    second++;
    const time = `2026-12-01T10:00:${String(second).padStart(2, '0')}.000000Z`;
    return {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'RequestResponse',
      auditID: `id-${second}`,
      stage: 'ResponseComplete',
      requestURI: `/apis/shipshape.dev/${version}/namespaces/team/${resource}${verb === 'create' ? '' : `/${name}`}`,
      verb,
      user: { username: 'alice' },
      objectRef: { resource, namespace: 'team', name, apiGroup: 'shipshape.dev', apiVersion: version },
      responseStatus: { metadata: {}, code: verb === 'create' ? 201 : 200 },
      requestReceivedTimestamp: time,
      stageTimestamp: time,
      ...fields,
    };
  };
}
