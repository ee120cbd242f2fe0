// The objects whose caBundle fields tell the apiserver which CA to trust when it calls Shipshape:
// each webhook of the two webhook configurations, and the WebApp CRD's conversion webhook (issue
// #35). Pure: where each object is read, which caBundle fields it has, and the JSON Patch that sets
// one. Shared by the caBundle check (ca-bundle-check.ts, every replica) and the self-managed
// certificates' injection (src/tls/self-managed-certificates.ts, the leader).
import { WEBAPP_CRD_NAME } from '../constants.ts';

export type CaBundleObjectKind =
  'MutatingWebhookConfiguration' | 'ValidatingWebhookConfiguration' | 'CustomResourceDefinition';
export type CaBundleObjectRef = { kind: CaBundleObjectKind; name: string };

/** One caBundle field of an object: `name` is the webhook's (`conversion` for a CRD). */
export type CaBundleField = {
  name: string;
  /** base64 PEM, as stored; undefined when unset. */
  caBundle: string | undefined;
  /** JSON Patch operations that set this field to `caBundle`, failing if the object moved on. */
  patch(caBundle: string): object[];
};

type ClientConfig = { caBundle?: string };
/** The fields this module reads, of any of the three kinds. */
export type CaBundleObject = {
  webhooks?: { name: string; clientConfig?: ClientConfig }[];
  spec?: { conversion?: { strategy?: string; webhook?: { clientConfig?: ClientConfig } } };
};

/** The CRD's name for its one field, in target names and log lines. */
export const CONVERSION_FIELD = 'conversion';

const COLLECTIONS: Record<CaBundleObjectKind, string> = {
  MutatingWebhookConfiguration: '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations',
  ValidatingWebhookConfiguration: '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations',
  CustomResourceDefinition: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
};

/** The collection the kind lives in (for a list or watch by field selector). */
export const collectionPath = (kind: CaBundleObjectKind): string => COLLECTIONS[kind];
/** The object itself. */
export const objectPath = (ref: CaBundleObjectRef): string => `${COLLECTIONS[ref.kind]}/${ref.name}`;

/**
 * Every caBundle field of `object`, a `ref.kind`. A CRD has one only while its conversion strategy
 * is Webhook (a CRD with strategy None calls nothing, so trusts nothing).
 */
export function caBundleFields(ref: CaBundleObjectRef, object: CaBundleObject): CaBundleField[] {
  if (ref.kind === 'CustomResourceDefinition') {
    const conversion = object.spec?.conversion;
    if (conversion?.strategy !== 'Webhook' || !conversion.webhook?.clientConfig) return [];
    return [
      {
        name: CONVERSION_FIELD,
        caBundle: conversion.webhook.clientConfig.caBundle || undefined,
        // The test op makes a patch computed from a stale read fail instead of adding a webhook
        // to a CRD whose conversion someone has since turned off.
        patch: (caBundle) => [
          { op: 'test', path: '/spec/conversion/strategy', value: 'Webhook' },
          { op: 'add', path: '/spec/conversion/webhook/clientConfig/caBundle', value: caBundle },
        ],
      },
    ];
  }
  return (object.webhooks ?? []).map((webhook, index) => ({
    name: webhook.name,
    caBundle: webhook.clientConfig?.caBundle || undefined,
    // The test op makes a patch computed from a stale read fail instead of landing on another webhook.
    patch: (caBundle) => [
      { op: 'test', path: `/webhooks/${index}/name`, value: webhook.name },
      { op: 'add', path: `/webhooks/${index}/clientConfig/caBundle`, value: caBundle },
    ],
  }));
}

/** The WebApp CRD, as a caBundle object. */
export const WEBAPP_CRD_REF: CaBundleObjectRef = { kind: 'CustomResourceDefinition', name: WEBAPP_CRD_NAME };
