// The webhook Service (443 → the container's HTTPS port, and the metrics port for scrapers) and a
// NetworkPolicy that admits traffic to those two ports only. The apiserver's source address is not
// a Pod, so the ports are open to any peer; egress (apiserver, OTLP collector) is not restricted.
import type { V1NetworkPolicy, V1Service } from '@kubernetes/client-node';
import { METRICS_PORT, SHIPSHAPE_NAMESPACE, WEBHOOK_PORT, WEBHOOK_SERVICE_NAME } from '../constants.ts';
import { APP_NAME, LABELS, POD_SELECTOR, SERVICE_PORT } from './install-names.ts';

export function toService(): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: WEBHOOK_SERVICE_NAME, namespace: SHIPSHAPE_NAMESPACE, labels: LABELS },
    spec: {
      type: 'ClusterIP',
      selector: POD_SELECTOR,
      ports: [
        { name: 'https', port: SERVICE_PORT, targetPort: 'https', protocol: 'TCP' },
        { name: 'metrics', port: METRICS_PORT, targetPort: 'metrics', protocol: 'TCP' },
      ],
    },
  };
}

export function toNetworkPolicy(): V1NetworkPolicy {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: APP_NAME, namespace: SHIPSHAPE_NAMESPACE, labels: LABELS },
    spec: {
      podSelector: { matchLabels: POD_SELECTOR },
      policyTypes: ['Ingress'],
      ingress: [
        {
          ports: [
            { protocol: 'TCP', port: WEBHOOK_PORT },
            { protocol: 'TCP', port: METRICS_PORT },
          ],
        },
      ],
    },
  };
}
