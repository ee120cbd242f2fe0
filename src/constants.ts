// Names, ports, labels and the API group, in one place: the server, the operator, the CLI and the
// rendered manifests (crds/, deploy/) all read them from here.

export const API_GROUP = 'shipshape.dev';
export const API_VERSION = 'v1';
export const WEBAPP_API_VERSION = `${API_GROUP}/${API_VERSION}`;
export const WEBAPP_KIND = 'WebApp';
export const WEBAPP_LIST_KIND = 'WebAppList';
export const WEBAPP_PLURAL = 'webapps';
export const WEBAPP_SINGULAR = 'webapp';
export const WEBAPP_SHORT_NAMES = ['wa'];
export const WEBAPP_CRD_NAME = `${WEBAPP_PLURAL}.${API_GROUP}`;

export const LABEL_NAME = 'app.kubernetes.io/name';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'shipshape';
/** Prefix of the Namespace annotations that override admission limits (see webhooks/limits.ts). */
export const ANNOTATION_PREFIX = `${API_GROUP}/`;
export const FINALIZER = `${API_GROUP}/finalizer`;
export const FIELD_MANAGER = 'shipshape';

/** Shipshape's own namespace in a cluster; exempt from its webhooks. */
export const SHIPSHAPE_NAMESPACE = 'shipshape-system';
export const WEBHOOK_SERVICE_NAME = 'shipshape-webhook';
/** The webhook Service's port (the admission and conversion webhooks' clientConfig); it forwards to WEBHOOK_PORT. */
export const WEBHOOK_SERVICE_PORT = 443;
export const WEBHOOK_PORT = 9443;
export const METRICS_PORT = 9090;

export const MUTATE_PATH = '/mutate-webapps';
export const VALIDATE_PATH = '/validate-webapps';
/** The CRD's conversion webhook (spec.conversion.webhook.clientConfig.service.path), on the same server. */
export const CONVERT_PATH = '/convert-webapps';
/** Webhook names as they appear in kubectl's "admission webhook ... denied the request". */
export const MUTATING_WEBHOOK_NAME = `default.webapps.${API_GROUP}`;
export const VALIDATING_WEBHOOK_NAME = `validate.webapps.${API_GROUP}`;
/** The MySQLCluster webhooks (issue #36), on the same server; their names as kubectl prints them. */
export const MYSQL_MUTATE_PATH = '/mutate-mysqlclusters';
export const MYSQL_VALIDATE_PATH = '/validate-mysqlclusters';
export const MYSQL_MUTATING_WEBHOOK_NAME = `default.mysqlclusters.${API_GROUP}`;
export const MYSQL_VALIDATING_WEBHOOK_NAME = `validate.mysqlclusters.${API_GROUP}`;
export const MUTATING_CONFIGURATION_NAME = 'shipshape-defaults';
export const VALIDATING_CONFIGURATION_NAME = 'shipshape-limits';
export const WEBHOOK_TIMEOUT_SECONDS = 5;
