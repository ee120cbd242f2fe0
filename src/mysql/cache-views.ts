// What the shared caches keep of the two resources only a MySQLCluster owns (issue #36), beyond
// the identity every child keeps (src/operator/cache-transforms.ts's toChildView: name, namespace,
// resourceVersion, generation, labels, ownerReferences). Like CHILD_VIEWS there: built as fresh
// literals, holding exactly what the reconciler and the status read and every field the builders
// apply, so that a hand edit of an applied field reads as drift and the next reconcile restores it.
// ConfigMap, Service and PodDisruptionBudget are shared with WebApp, one cache per resource, so
// MYSQL_CHILD_KINDS names WebApp's views for them (CHILD_VIEWS); test/unit/mysql/cache-views.test.ts
// proves every field applied survives each view.
import { type Projection, containerView, record, records } from '../operator/cache-transforms.ts';

type Json = Record<string, unknown>;

/** The container fields toStatefulSet applies. */
const STATEFULSET_CONTAINER = ['name', 'image', 'ports', 'env', 'readinessProbe', 'resources', 'volumeMounts'] as const;

/**
 * A volume claim template as applied: not the apiVersion, kind and empty status the apiserver adds
 * to a stored template. Its storage request is read by the immutable-field check (volume-claims.ts).
 */
function claimTemplate(template: Json): Json {
  const metadata = record(template.metadata);
  const spec = record(template.spec);
  return {
    metadata: metadata && { name: metadata.name, labels: metadata.labels },
    spec: spec && {
      accessModes: spec.accessModes,
      resources: spec.resources,
      storageClassName: spec.storageClassName,
      volumeMode: spec.volumeMode,
    },
  };
}

function statefulSetSpec(spec: Json | undefined): Json | undefined {
  if (!spec) return spec;
  const template = record(spec.template);
  const templateMeta = record(template?.metadata);
  const podSpec = record(template?.spec);
  return {
    replicas: spec.replicas,
    serviceName: spec.serviceName,
    selector: spec.selector,
    podManagementPolicy: spec.podManagementPolicy,
    updateStrategy: spec.updateStrategy,
    persistentVolumeClaimRetentionPolicy: spec.persistentVolumeClaimRetentionPolicy,
    template: template && {
      metadata: templateMeta && { labels: templateMeta.labels, annotations: templateMeta.annotations },
      spec: podSpec && {
        containers: records(podSpec.containers)?.map((c) => containerView(c, STATEFULSET_CONTAINER)),
        volumes: podSpec.volumes,
      },
    },
    volumeClaimTemplates: records(spec.volumeClaimTemplates)?.map(claimTemplate),
  };
}

/** The counts and revisions fromStatefulSet (status.ts) reads. */
function statefulSetStatus(status: Json | undefined): Json | undefined {
  if (!status) return status;
  return {
    replicas: status.replicas,
    readyReplicas: status.readyReplicas,
    updatedReplicas: status.updatedReplicas,
    currentRevision: status.currentRevision,
    updateRevision: status.updateRevision,
    observedGeneration: status.observedGeneration,
  };
}

export const STATEFULSET_VIEW: Projection = (o) => ({
  spec: statefulSetSpec(record(o.spec)),
  status: statefulSetStatus(record(o.status)),
});

/**
 * A Secret: its identity alone. Never `data` (nor `stringData`): the root password is not held in
 * any replica's memory, and nothing reads it; the reconciler only asks whether the Secret exists.
 */
export const SECRET_VIEW: Projection = () => ({});
