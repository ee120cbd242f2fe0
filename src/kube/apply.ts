import { type KubeConfig, type KubernetesObject, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { FIELD_MANAGER } from '../constants.ts';

/**
 * Server-side apply of `obj` (apiVersion, kind, metadata.name required), forcing ownership of the
 * fields it sets. Creates the object when missing.
 */
export function serverSideApply<T extends KubernetesObject>(
  kc: KubeConfig,
  obj: T,
  options: { fieldManager?: string; dryRun?: boolean } = {},
): Promise<T> {
  const client = KubernetesObjectApi.makeApiClient(kc);
  return client.patch(
    obj,
    undefined,
    options.dryRun ? 'All' : undefined,
    options.fieldManager ?? FIELD_MANAGER,
    true,
    PatchStrategy.ServerSideApply,
  );
}
