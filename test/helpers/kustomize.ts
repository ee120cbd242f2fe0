// Rendering an install's kustomization as kubectl does, and reading what a server dry run
// accepted: shared by the tests of deploy/ and of its overlays.
import { parseAllDocuments } from 'yaml';
import { kubectl } from './kubectl.ts';

export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
};

/** `Kind/namespace/name`, or `Kind/name` for a cluster-scoped object. */
export const objectKey = (o: KubeObject) =>
  `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

/** `kubectl kustomize dir`: its text and its objects by objectKey. */
export async function kustomize(
  kubeconfig: string,
  dir: string,
): Promise<{ text: string; objects: Map<string, KubeObject> }> {
  const out = await kubectl(kubeconfig, ['kustomize', dir]);
  if (out.code !== 0) throw new Error(`kubectl kustomize ${dir}: ${out.stderr}`);
  const objects = parseAllDocuments(out.stdout).map((d) => d.toJS() as KubeObject);
  return { text: out.stdout, objects: new Map(objects.map((o) => [objectKey(o), o])) };
}

/** The lines `kubectl apply --dry-run=server` prints, as `kind/name` (lower-case kind, group dropped). */
export const dryRunObjects = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => l.endsWith('(server dry run)'))
    .map((l) => l.split(' ')[0]!.replace(/\.[^/]*\//, '/'));
