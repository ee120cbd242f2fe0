// Names, ports and labels of the objects that install Shipshape in a cluster (deploy/, certs/),
// beside those the code itself uses (src/constants.ts). Defaults the manifests must agree with
// (the certificate's folder, the Lease's name) are read from the settings table, not repeated.
import { dirname } from 'node:path';
import packageJson from '../../package.json' with { type: 'json' };
import { SETTINGS } from '../config/settings.ts';
import { WEBHOOK_SERVICE_PORT } from '../constants.ts';

export const APP_NAME = 'shipshape';
export const SERVICE_ACCOUNT_NAME = APP_NAME;
export const DEPLOYMENT_NAME = APP_NAME;
/**
 * The Secret of the serving certificate (tls.crt, tls.key, ca.crt): cert-manager writes it, or
 * without cert-manager Shipshape's leader (SELF_MANAGED_CERTIFICATES_OVERLAY).
 */
export const TLS_SECRET_NAME = 'shipshape-webhook-tls';
/**
 * The install without cert-manager (src/manifests/self-managed-certificates.ts), relative to the
 * repository root: beside deploy/, its base, since kustomize refuses an overlay inside its base.
 */
export const SELF_MANAGED_CERTIFICATES_OVERLAY = 'overlays/self-managed-certificates';
/** The webhook Service's port; it forwards to the container's WEBHOOK_PORT. */
export const SERVICE_PORT = WEBHOOK_SERVICE_PORT;
/** The image the Deployment names; a kustomize overlay's `images:` points it at a registry. */
export const IMAGE = `${APP_NAME}:${packageJson.version}`;

const settingDefault = (key: string): string => {
  const setting = SETTINGS.find((s) => s.key === key);
  if (!setting) throw new Error(`no setting ${key}`);
  return setting.default;
};
/** Where the Secret is mounted: the folder of the default --tls-cert-file and --tls-key-file. */
export const TLS_MOUNT_PATH = dirname(settingDefault('tlsCertFile'));
export const LEASE_NAME = settingDefault('leaseName');

/** On every object of the install; `app.kubernetes.io/managed-by: shipshape` marks WebApp children. */
export const LABELS = { 'app.kubernetes.io/name': APP_NAME, 'app.kubernetes.io/part-of': APP_NAME };
/** Selects Shipshape's own Pods (Deployment, Service, PodDisruptionBudget, NetworkPolicy). */
export const POD_SELECTOR = { 'app.kubernetes.io/name': APP_NAME, 'app.kubernetes.io/component': 'server' };
