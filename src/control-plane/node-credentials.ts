// The real node's identity (real-node.ts): a client certificate for system:node:<name> in group
// system:nodes, from the harness's CA, and what authorizes it. The harness's apiserver runs
// RBAC only (no Node authorizer, no NodeRestriction), so a ClusterRoleBinding gives that user the
// bootstrap `system:node` ClusterRole, which no group is bound to since Kubernetes 1.8.
import type { RbacAuthorizationV1Api } from '@kubernetes/client-node';
import type { ControlPlane } from './control-plane.ts';

const bindingName = (nodeName: string) => `shipshape-real-node:${nodeName}`;

/** Issues the credentials and binds the role; resolves with the kubelet's kubeconfig path. */
export async function grantNodeCredentials(cp: ControlPlane, rbac: RbacAuthorizationV1Api, nodeName: string) {
  const user = `system:node:${nodeName}`;
  const kubeconfig = await cp.issueKubeconfig(user, undefined, ['system:nodes']);
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: bindingName(nodeName) },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:node' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
    },
  });
  return kubeconfig;
}

/** Removes the binding (the certificate's file goes with the control plane's folder). */
export async function revokeNodeCredentials(rbac: RbacAuthorizationV1Api, nodeName: string): Promise<void> {
  await rbac.deleteClusterRoleBinding({ name: bindingName(nodeName) }).catch(() => {});
}
