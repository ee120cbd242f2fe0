// The WebApp CRD's CA injection in the default install: the same `cert-manager.io/inject-ca-from`
// as the webhook configurations carry, so that cainjector writes the serving Certificate's CA into
// spec.conversion.webhook.clientConfig.caBundle (it does so for a CRD whose conversion strategy is
// Webhook). crds/ stays free of it, being the API alone (the dev loop and the tests apply it with
// no cert-manager): deploy/kustomization.yaml adds it as an inline patch, and the
// self-managed-certificates overlay removes it again.
import { SHIPSHAPE_NAMESPACE, WEBAPP_CRD_NAME } from '../constants.ts';
import { CERTIFICATE_NAME, INJECT_CA_ANNOTATION } from './webhook-configurations.ts';

const CRD = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' } as const;

/** A strategic merge patch of the CRD's annotations; `null` deletes the annotation. */
export function toCrdCaInjection(value: string | null = `${SHIPSHAPE_NAMESPACE}/${CERTIFICATE_NAME}`): object {
  return { ...CRD, metadata: { name: WEBAPP_CRD_NAME, annotations: { [INJECT_CA_ANNOTATION]: value } } };
}
