// Every Shipshape setting: its environment variable, its flag, its default and its meaning.
// src/config/config.ts parses them with zod and prints `--help` from here; the settings table of
// docs/configuration.md is rendered from here too (src/docs/settings-table.ts, its `settings`
// generated block, written by `npm run render` and compared whole by `npm run render:check`), so a
// description is edited here only.
import { METRICS_PORT, SHIPSHAPE_NAMESPACE, WEBHOOK_PORT, WEBHOOK_SERVICE_NAME } from '../constants.ts';
import { DEFAULT_CONVERSION_BODY_LIMIT_BYTES } from '../conversion/conversion-review.ts';
import {
  DEFAULT_BACKDATE_MS,
  DEFAULT_CA_LIFETIME_MS,
  DEFAULT_CHECK_INTERVAL_MS,
  DEFAULT_SERVING_LIFETIME_MS,
  DEFAULT_SETTLE_MS,
} from '../tls/rotation-settings.ts';
import { DEFAULT_LIMITS } from '../../webhooks/limits.ts';
import { DEFAULT_MYSQL_POLICY_CONFIG as MYSQL } from '../../webhooks/mysql-policy-config.ts';

export type Setting = {
  /** Key in Config. */
  key: string;
  env: string;
  flag: string;
  default: string;
  description: string;
};

const setting = (key: string, env: string, def: string | number, description: string): Setting => ({
  key,
  env,
  flag: `--${env
    .replace(/^SHIPSHAPE_/, '')
    .toLowerCase()
    .replaceAll('_', '-')}`,
  default: String(def),
  description,
});

export const SETTINGS: readonly Setting[] = [
  setting('host', 'SHIPSHAPE_HOST', '0.0.0.0', 'Address the HTTPS webhook server listens on'),
  setting('port', 'SHIPSHAPE_PORT', WEBHOOK_PORT, 'HTTPS port of the webhooks, /healthz and /readyz'),
  setting(
    'metricsPort',
    'SHIPSHAPE_METRICS_PORT',
    METRICS_PORT,
    'Plain-HTTP port of the Prometheus /metrics endpoint; 0 turns it off',
  ),
  setting(
    'tlsCertFile',
    'SHIPSHAPE_TLS_CERT_FILE',
    '/tls/tls.crt',
    'Serving certificate (PEM); reloaded when it changes',
  ),
  setting('tlsKeyFile', 'SHIPSHAPE_TLS_KEY_FILE', '/tls/tls.key', 'Private key of the serving certificate (PEM)'),
  setting(
    'tlsCaFile',
    'SHIPSHAPE_TLS_CA_FILE',
    '/tls/ca.crt',
    'CA of the serving certificate (PEM), for its expiry metric; may be absent',
  ),
  setting(
    'tlsRenewBeforeSeconds',
    'SHIPSHAPE_TLS_RENEW_BEFORE_SECONDS',
    0,
    'Warn when the serving certificate is this close to expiry (self-managed: renew it then); 0: a third of its validity (self-managed: 30 days)',
  ),
  setting(
    'caRenewBeforeSeconds',
    'SHIPSHAPE_CA_RENEW_BEFORE_SECONDS',
    0,
    'Warn when the CA is this close to expiry (self-managed: renew it then); 0: a third of its validity (self-managed: 90 days)',
  ),
  setting(
    'requireCaBundle',
    'SHIPSHAPE_REQUIRE_CA_BUNDLE',
    'false',
    "Not ready while a webhook configuration's caBundle does not verify the served certificate",
  ),
  setting(
    'clientCaFile',
    'SHIPSHAPE_CLIENT_CA_FILE',
    '',
    'Require client certificates on the webhook port, signed by this CA (PEM); reloaded when it changes',
  ),
  setting(
    'certificates',
    'SHIPSHAPE_CERTIFICATES',
    'files',
    'files: serve --tls-cert-file and --tls-key-file (cert-manager or your own); self-managed: the leader issues, rotates and injects them, in the Secret --tls-secret',
  ),
  setting(
    'tlsSecret',
    'SHIPSHAPE_TLS_SECRET',
    'shipshape-webhook-tls',
    "Self-managed: the Secret in Shipshape's namespace holding the CA and the serving pair",
  ),
  setting(
    'webhookService',
    'SHIPSHAPE_WEBHOOK_SERVICE',
    WEBHOOK_SERVICE_NAME,
    "Self-managed: the webhook Service, whose DNS names the serving certificate carries and whose endpoints' certificates the leader checks",
  ),
  setting(
    'caLifetimeSeconds',
    'SHIPSHAPE_CA_LIFETIME_SECONDS',
    DEFAULT_CA_LIFETIME_MS / 1000,
    'Self-managed: lifetime of each CA (renewed --ca-renew-before-seconds before it ends)',
  ),
  setting(
    'tlsLifetimeSeconds',
    'SHIPSHAPE_TLS_LIFETIME_SECONDS',
    DEFAULT_SERVING_LIFETIME_MS / 1000,
    'Self-managed: lifetime of each serving certificate (renewed --tls-renew-before-seconds before it ends)',
  ),
  setting(
    'certificateCheckIntervalSeconds',
    'SHIPSHAPE_CERTIFICATE_CHECK_INTERVAL_SECONDS',
    DEFAULT_CHECK_INTERVAL_MS / 1000,
    'Self-managed: the longest time between two checks of the certificates by the leader (changes are seen at once)',
  ),
  setting(
    'certificateSettleSeconds',
    'SHIPSHAPE_CERTIFICATE_SETTLE_SECONDS',
    DEFAULT_SETTLE_MS / 1000,
    'Self-managed: how long a new CA stays in every caBundle before a certificate it signed is served',
  ),
  setting(
    'certificateBackdateSeconds',
    'SHIPSHAPE_CERTIFICATE_BACKDATE_SECONDS',
    DEFAULT_BACKDATE_MS / 1000,
    'Self-managed: certificates start this long before they are issued, for clocks behind the leader’s',
  ),
  setting(
    'bodyLimitBytes',
    'SHIPSHAPE_BODY_LIMIT_BYTES',
    3 * 1024 * 1024,
    'Largest AdmissionReview accepted, in bytes',
  ),
  setting(
    'conversionBodyLimitBytes',
    'SHIPSHAPE_CONVERSION_BODY_LIMIT_BYTES',
    DEFAULT_CONVERSION_BODY_LIMIT_BYTES,
    'Largest ConversionReview accepted, in bytes; the apiserver sends one object per review',
  ),
  setting(
    'requestTimeoutSeconds',
    'SHIPSHAPE_REQUEST_TIMEOUT_SECONDS',
    10,
    'Deadline of the TLS handshake, then of each whole request; slower clients are cut off',
  ),
  setting('minReplicas', 'SHIPSHAPE_MIN_REPLICAS', DEFAULT_LIMITS.minReplicas, 'Smallest spec.replicas admitted'),
  setting('maxReplicas', 'SHIPSHAPE_MAX_REPLICAS', DEFAULT_LIMITS.maxReplicas, 'Largest spec.replicas admitted'),
  setting('minPort', 'SHIPSHAPE_MIN_PORT', DEFAULT_LIMITS.minPort, 'Smallest spec.port admitted'),
  setting('maxPort', 'SHIPSHAPE_MAX_PORT', DEFAULT_LIMITS.maxPort, 'Largest spec.port admitted'),
  setting('deniedPorts', 'SHIPSHAPE_DENIED_PORTS', '', 'Comma-separated container ports refused, e.g. 9090,9443'),
  setting('minServicePort', 'SHIPSHAPE_MIN_SERVICE_PORT', DEFAULT_LIMITS.minServicePort, 'Smallest spec.service.port'),
  setting('maxServicePort', 'SHIPSHAPE_MAX_SERVICE_PORT', DEFAULT_LIMITS.maxServicePort, 'Largest spec.service.port'),
  setting(
    'enforcement',
    'SHIPSHAPE_ENFORCEMENT',
    'enforce',
    'warn: admit limit violations with a warning; enforce: deny them',
  ),
  setting('defaultCpuRequest', 'SHIPSHAPE_DEFAULT_CPU_REQUEST', '', 'CPU request defaulted onto WebApps without one'),
  setting('defaultMemoryRequest', 'SHIPSHAPE_DEFAULT_MEMORY_REQUEST', '', 'Memory request defaulted onto WebApps'),
  setting('defaultCpuLimit', 'SHIPSHAPE_DEFAULT_CPU_LIMIT', '', 'CPU limit defaulted onto WebApps without one'),
  setting('defaultMemoryLimit', 'SHIPSHAPE_DEFAULT_MEMORY_LIMIT', '', 'Memory limit defaulted onto WebApps'),
  setting(
    'mysqlDefaultVersion',
    'SHIPSHAPE_MYSQL_DEFAULT_VERSION',
    MYSQL.defaultVersion,
    'MySQLCluster spec.version when omitted (an existing cluster keeps its own)',
  ),
  setting(
    'mysqlImageRepository',
    'SHIPSHAPE_MYSQL_IMAGE_REPOSITORY',
    MYSQL.imageRepository,
    'MySQLCluster spec.image when omitted is this repository tagged with spec.version (add a registry host to use a mirror)',
  ),
  setting(
    'mysqlDefaultStorageSize',
    'SHIPSHAPE_MYSQL_DEFAULT_STORAGE_SIZE',
    MYSQL.defaultStorageSize,
    "MySQLCluster spec.storage.size when omitted: each member's data volume",
  ),
  setting(
    'mysqlStorageClass',
    'SHIPSHAPE_MYSQL_STORAGE_CLASS',
    '',
    "StorageClass defaulted onto new MySQLClusters without one; none: the cluster's default StorageClass",
  ),
  setting(
    'mysqlDefaultCpuRequest',
    'SHIPSHAPE_MYSQL_DEFAULT_CPU_REQUEST',
    MYSQL.defaultResources.requests?.cpu ?? '',
    'CPU request defaulted onto MySQLCluster members without one; empty: none',
  ),
  setting(
    'mysqlDefaultMemoryRequest',
    'SHIPSHAPE_MYSQL_DEFAULT_MEMORY_REQUEST',
    MYSQL.defaultResources.requests?.memory ?? '',
    'Memory request defaulted onto MySQLCluster members without one; empty: none',
  ),
  setting(
    'mysqlDefaultCpuLimit',
    'SHIPSHAPE_MYSQL_DEFAULT_CPU_LIMIT',
    MYSQL.defaultResources.limits?.cpu ?? '',
    'CPU limit defaulted onto MySQLCluster members without one; empty: none',
  ),
  setting(
    'mysqlDefaultMemoryLimit',
    'SHIPSHAPE_MYSQL_DEFAULT_MEMORY_LIMIT',
    MYSQL.defaultResources.limits?.memory ?? '',
    'Memory limit defaulted onto MySQLCluster members without one; empty: none',
  ),
  setting(
    'mysqlMaxReplicas',
    'SHIPSHAPE_MYSQL_MAX_REPLICAS',
    MYSQL.limits.maxReplicas,
    'Largest MySQLCluster spec.replicas admitted (namespace annotation shipshape.dev/mysql-max-replicas)',
  ),
  setting(
    'mysqlMaxStoragePerCluster',
    'SHIPSHAPE_MYSQL_MAX_STORAGE_PER_CLUSTER',
    MYSQL.limits.maxStoragePerCluster,
    'Largest spec.replicas x spec.storage.size of a MySQLCluster (namespace annotation shipshape.dev/mysql-max-storage-per-cluster)',
  ),
  setting(
    'controllers',
    'SHIPSHAPE_CONTROLLERS',
    'webapp,mysqlcluster',
    'The kinds this replica reconciles and caches, comma-separated (webapp, mysqlcluster); a kind left out needs no CRD in the cluster, its admission is still served, and its objects get no finalizer from this server',
  ),
  setting('workers', 'SHIPSHAPE_WORKERS', 4, 'Concurrent reconciles per kind (never two on the same object)'),
  setting(
    'resyncSeconds',
    'SHIPSHAPE_RESYNC_SECONDS',
    600,
    'Period of the resync of every owner (WebApp, MySQLCluster), each spread by ±10%',
  ),
  setting(
    'apiTimeoutSeconds',
    'SHIPSHAPE_API_TIMEOUT_SECONDS',
    10,
    'Deadline of one Kubernetes API call (watches excepted)',
  ),
  setting(
    'leaderElection',
    'SHIPSHAPE_LEADER_ELECTION',
    'true',
    'Elect one reconciling replica through a Lease (false: reconcile here)',
  ),
  setting('leaseName', 'SHIPSHAPE_LEASE_NAME', 'shipshape-leader', "Name of the Lease in Shipshape's namespace"),
  setting('leaseDurationSeconds', 'SHIPSHAPE_LEASE_DURATION_SECONDS', 15, 'How long a Lease is held without renewal'),
  setting(
    'renewDeadlineSeconds',
    'SHIPSHAPE_RENEW_DEADLINE_SECONDS',
    10,
    'The leader steps down after failing to renew this long',
  ),
  setting('retryPeriodSeconds', 'SHIPSHAPE_RETRY_PERIOD_SECONDS', 2, 'Between attempts to acquire or renew the Lease'),
  setting('namespace', 'POD_NAMESPACE', SHIPSHAPE_NAMESPACE, "Shipshape's own namespace (downward API)"),
  setting('podName', 'POD_NAME', 'shipshape', 'This replica’s name (downward API)'),
  setting(
    'serviceAccountDir',
    'SHIPSHAPE_SERVICE_ACCOUNT_DIR',
    '/var/run/secrets/kubernetes.io/serviceaccount',
    'In-cluster configuration: the folder of the service account token and ca.crt',
  ),
  setting(
    'shutdownDelaySeconds',
    'SHIPSHAPE_SHUTDOWN_DELAY_SECONDS',
    0,
    'On SIGTERM, keep serving this long before the listener closes (Service endpoints drop the Pod meanwhile)',
  ),
  setting(
    'shutdownTimeoutSeconds',
    'SHIPSHAPE_SHUTDOWN_TIMEOUT_SECONDS',
    20,
    'After the delay, the longest a shutdown waits for its parts before exiting anyway',
  ),
  setting(
    'heapWarningRatio',
    'SHIPSHAPE_HEAP_WARNING_RATIO',
    // Half the bound: a full relist needs about 1.7 times the steady heap (docs/sizing.md), so a
    // warning any later would come when the next relist no longer fits.
    0.5,
    'Warn (log, shipshape_process_heap_near_limit) when the V8 heap in use stays over this share of its bound; 0: off (docs/sizing.md)',
  ),
  setting(
    'memoryWarningRatio',
    'SHIPSHAPE_MEMORY_WARNING_RATIO',
    // By the leader's measured slope (12.77 MiB per 1,000 WebApps, docs/sizing.md), 0.8 of the
    // default 512Mi is crossed about 8,000 WebApps before the limit, and a relist's peak (1.05
    // times the steady RSS at 10,000) from just under the line still fits.
    0.8,
    "Warn (log, shipshape_process_memory_near_limit) when the process's RSS stays over this share of the container's memory limit (cgroup); 0: off (docs/sizing.md)",
  ),
  setting('logLevel', 'SHIPSHAPE_LOG_LEVEL', 'info', 'fatal, error, warn, info, debug or trace'),
];
