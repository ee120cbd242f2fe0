// Which documents are reviewed, and how: a WebApp of a served version (shipshape.dev/v1 or v2) or
// a MySQLCluster (shipshape.dev/v1alpha1) becomes a CREATE in its own namespace (or the default
// one), or an UPDATE when the --old documents hold the same object (same kind, namespace and
// name; a WebApp at either version); anything else is skipped with the reason, never dropped
// silently.
import { WEBAPP_KIND } from '../constants.ts';
import { WEBAPP_API_VERSIONS } from '../api/webapp-versions.ts';
import { MYSQLCLUSTER_API_VERSION, MYSQLCLUSTER_KIND } from '../api/mysqlcluster.ts';
import type { JsonObject } from '../json/json.ts';
import type { ManifestDocument } from './load-manifests.ts';
import type { ReviewTarget } from './review.ts';

export type Planned = {
  document: ManifestDocument;
  apiVersion: string;
  kind: string;
  namespace: string;
  /** metadata.name, else "<generateName>*", else "(no name)". */
  name: string;
} & ({ target: ReviewTarget } | { skipped: string });

const text = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);

function identify(object: JsonObject, defaultNamespace: string) {
  const metadata = (typeof object.metadata === 'object' && object.metadata) || {};
  const { name, generateName, namespace } = metadata as Record<string, unknown>;
  return {
    apiVersion: text(object.apiVersion) ?? '(no apiVersion)',
    kind: text(object.kind) ?? '(no kind)',
    namespace: text(namespace) ?? defaultNamespace,
    name: text(name) ?? (text(generateName) ? `${String(generateName)}*` : '(no name)'),
  };
}

function isWebApp(object: JsonObject): boolean {
  return (
    typeof object.apiVersion === 'string' &&
    WEBAPP_API_VERSIONS.includes(object.apiVersion) &&
    object.kind === WEBAPP_KIND
  );
}

const isMySQLCluster = (object: JsonObject) =>
  object.apiVersion === MYSQLCLUSTER_API_VERSION && object.kind === MYSQLCLUSTER_KIND;

/** Whether a review takes `object`: a WebApp or a MySQLCluster of a served version. */
const isReviewed = (object: JsonObject) => isWebApp(object) || isMySQLCluster(object);

/** Plans a review of each document; `old` holds the stored versions that make UPDATEs. */
export function planReviews(
  documents: readonly ManifestDocument[],
  old: readonly ManifestDocument[],
  defaultNamespace: string,
): Planned[] {
  const stored = new Map<string, JsonObject>();
  for (const doc of old) {
    const id = identify(doc.object, defaultNamespace);
    if (isReviewed(doc.object)) stored.set(`${id.kind} ${id.namespace}/${id.name}`, doc.object);
  }
  return documents.map((document) => {
    const id = identify(document.object, defaultNamespace);
    if (!isReviewed(document.object)) {
      // The kind the document claims, at the versions reviewed: MySQLCluster's, else WebApp's (any
      // other kind gets WebApp's message, as before MySQLCluster was reviewed).
      const skipped =
        id.kind === MYSQLCLUSTER_KIND
          ? `not a ${MYSQLCLUSTER_API_VERSION} ${MYSQLCLUSTER_KIND}`
          : `not a ${WEBAPP_API_VERSIONS.join(' or ')} ${WEBAPP_KIND}`;
      return { document, ...id, skipped };
    }
    const oldObject = text((document.object.metadata as JsonObject | undefined)?.name)
      ? stored.get(`${id.kind} ${id.namespace}/${id.name}`)
      : undefined;
    return {
      document,
      ...id,
      target: { object: document.object, namespace: id.namespace, ...(oldObject && { oldObject }) },
    };
  });
}
