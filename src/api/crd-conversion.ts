// The WebApp CRD's spec.conversion (issue #35): the apiserver sends a ConversionReview to
// Shipshape's own HTTPS server (CONVERT_PATH, every replica) whenever it reads or writes a WebApp in
// a version other than the one stored. Where the webhook is reached differs by install: the
// in-cluster Service (crds/, deploy/), or a URL on loopback in the dev loop and the tests
// (src/dev/install.ts). The caBundle is never rendered here: cert-manager's cainjector (default
// install), Shipshape's leader (self-managed certificates) or the dev loop sets it.
import type { ApiextensionsV1WebhookClientConfig, V1CustomResourceConversion } from '@kubernetes/client-node';
import { CONVERT_PATH, SHIPSHAPE_NAMESPACE, WEBHOOK_SERVICE_NAME, WEBHOOK_SERVICE_PORT } from '../constants.ts';

/** The ConversionReview versions the route answers (src/conversion/), in the apiserver's order of preference. */
export const CONVERSION_REVIEW_VERSIONS = ['v1'];

/** The webhook behind Shipshape's Service in `namespace`, as the installed CRD names it. */
export function toServiceClientConfig(namespace = SHIPSHAPE_NAMESPACE): ApiextensionsV1WebhookClientConfig {
  return { service: { namespace, name: WEBHOOK_SERVICE_NAME, path: CONVERT_PATH, port: WEBHOOK_SERVICE_PORT } };
}

/**
 * spec.conversion with `clientConfig`: strategy Webhook. Reads and writes in the storage version
 * never call it, so a CRD installed with no Shipshape running still serves that version.
 */
export function toCrdConversion(
  clientConfig: ApiextensionsV1WebhookClientConfig = toServiceClientConfig(),
): V1CustomResourceConversion {
  return { strategy: 'Webhook', webhook: { conversionReviewVersions: [...CONVERSION_REVIEW_VERSIONS], clientConfig } };
}
