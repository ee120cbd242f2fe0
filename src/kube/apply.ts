import { FIELD_MANAGER } from '../constants.ts';
import type { JsonClient } from './json-client.ts';

type Applied = { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } };

/**
 * The path of one object: `/api/v1/namespaces/web/configmaps/app-env`, `/apis/apps/v1/...`, or
 * without a namespace for a cluster-scoped one. `plural` is the resource (`deployments`): the
 * caller knows it, so no discovery request is made to find it.
 */
export function objectPath(apiVersion: string, plural: string, namespace: string | undefined, name: string): string {
  const scope = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${groupVersionPath(apiVersion)}${scope}/${plural}/${encodeURIComponent(name)}`;
}

/**
 * The collection across namespaces, as a watch or list reads it (`/apis/apps/v1/deployments`), or
 * in `namespace`, as a create posts to it (`/api/v1/namespaces/db/secrets`).
 */
export function collectionPath(apiVersion: string, plural: string, namespace?: string): string {
  const scope = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${groupVersionPath(apiVersion)}${scope}/${plural}`;
}

const groupVersionPath = (apiVersion: string) =>
  apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;

/**
 * Server-side apply of `obj` (apiVersion, kind, metadata.name required), forcing ownership of the
 * fields it sets; creates the object when missing. Resolves with the stored object as JSON.
 */
export function serverSideApply<T extends Applied>(
  client: JsonClient,
  obj: T,
  options: { plural: string; fieldManager?: string; dryRun?: boolean },
): Promise<T> {
  const { apiVersion, metadata } = obj;
  if (!apiVersion || !metadata?.name)
    throw new TypeError('serverSideApply: the object needs apiVersion and metadata.name');
  const path = objectPath(apiVersion, options.plural, metadata.namespace, metadata.name);
  return client.request<T>('PATCH', path, {
    body: obj,
    contentType: 'application/apply-patch+yaml',
    query: {
      fieldManager: options.fieldManager ?? FIELD_MANAGER,
      force: true,
      dryRun: options.dryRun ? 'All' : undefined,
    },
  });
}
