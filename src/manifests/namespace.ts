// Shipshape's own Namespace, enforcing Pod Security `restricted`: Shipshape's Pods meet it, and
// nothing else should run there. The webhooks exempt it (see webhook-configurations.ts).
import type { V1Namespace } from '@kubernetes/client-node';
import { SHIPSHAPE_NAMESPACE } from '../constants.ts';
import { LABELS } from './install-names.ts';

export const POD_SECURITY_LABELS = {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/enforce-version': 'latest',
  'pod-security.kubernetes.io/audit': 'restricted',
  'pod-security.kubernetes.io/warn': 'restricted',
};

export function toNamespace(): V1Namespace {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: SHIPSHAPE_NAMESPACE, labels: { ...LABELS, ...POD_SECURITY_LABELS } },
  };
}
