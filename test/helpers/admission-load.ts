// Continuous admission traffic through the apiserver: `clients` loops, each a server-side dry-run
// create of a WebApp (through the mutating and the validating webhook) after the other. Every
// answer that is not a defaulted WebApp is a failure, kept with its time and message.
import type { KubeConfig } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, WEBAPP_KIND, WEBAPP_PLURAL } from '../../src/constants.ts';
import { createJsonClient } from '../../src/kube/json-client.ts';

export type LoadResult = { ok: number; failures: { at: number; client: number; message: string }[] };

export function startAdmissionLoad(kc: KubeConfig, namespace: string, clients = 4) {
  const client = createJsonClient(kc);
  const result: LoadResult = { ok: 0, failures: [] };
  let running = true;
  const path = `/apis/${API_GROUP}/${API_VERSION}/namespaces/${namespace}/${WEBAPP_PLURAL}`;
  const loops = Array.from({ length: clients }, async (_, i) => {
    for (let n = 0; running; n++) {
      try {
        const created = await client.request<{ spec?: { replicas?: number } }>('POST', path, {
          query: { dryRun: 'All' },
          body: {
            apiVersion: `${API_GROUP}/${API_VERSION}`,
            kind: WEBAPP_KIND,
            metadata: { name: `load-${i}-${n}` },
            spec: { image: 'registry.invalid/load:1' },
          },
          timeoutMs: 15_000,
        });
        if (created.spec?.replicas === undefined) throw new Error('not defaulted: the mutating webhook was skipped');
        result.ok++;
      } catch (err) {
        result.failures.push({ at: Date.now(), client: i, message: (err as Error).message });
      }
    }
  });
  return {
    result,
    /** Stops every client after its call in flight; resolves with the totals. */
    async stop(): Promise<LoadResult> {
      running = false;
      await Promise.all(loops);
      return result;
    },
  };
}
