// Owners waiting for a child's name that another owner's object holds (ChildOwnedError, see
// ./owner-context.ts): a WebApp `db` beside a MySQLCluster `db`, whose client Service is `db`. The
// holder's child carries the holder's label, so its events go to the holder's kind alone, and the
// waiting owner would look again only at its next resync (ten minutes by default). This remembers
// who waits on which name, per leadership term, and answers a child event with the owners to wake:
// those waiting on it, once it is deleted or no longer controlled by the holder they waited on.
// What a waiting owner's reconcile then finds is its own business: still held, it waits again.

/** How many names are remembered; past it the oldest is forgotten (its owners wake at resync). */
export const MAX_NAME_WAITS = 4096;

type Wait = { holder: string; owners: Set<string> };

export function createNameWaits(maxEntries = MAX_NAME_WAITS) {
  const waits = new Map<string, Wait>();
  const keyOf = (kind: string, namespace: string, name: string) => `${kind}/${namespace}/${name}`;
  return {
    /**
     * `owner` (namespace/name) could not apply its child `kind` `namespace`/`name`: `holder`
     * (`Kind name`, as the child's controller reference names it) controls it.
     */
    wait(kind: string, namespace: string, name: string, holder: string, owner: string): void {
      const key = keyOf(kind, namespace, name);
      const known = waits.get(key);
      if (known?.holder === holder) {
        known.owners.add(owner);
        return;
      }
      waits.delete(key);
      waits.set(key, { holder, owners: new Set([owner]) });
      if (waits.size > maxEntries) waits.delete(waits.keys().next().value!);
    },
    /**
     * The child's cache event: the owners to wake (and forget) when it was deleted (`controller`
     * undefined and `deleted`) or its controller is no longer the holder; none otherwise.
     */
    changed(kind: string, namespace: string, name: string, controller: string | undefined, deleted: boolean): string[] {
      const key = keyOf(kind, namespace, name);
      const known = waits.get(key);
      if (!known || (!deleted && controller === known.holder)) return [];
      waits.delete(key);
      return [...known.owners];
    },
    get size() {
      return waits.size;
    },
  };
}

export type NameWaits = ReturnType<typeof createNameWaits>;
