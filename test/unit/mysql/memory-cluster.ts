// An in-memory cluster behind a MySQLReconcileContext, for reconcileMySQLCluster's unit tests (as
// test/unit/operator/reconcile-webapp.test.ts has one for WebApp): a stored MySQLCluster, stored
// children with resourceVersions (an apply of an unchanged body keeps the version), a watch cache
// that holds each child through its kind's view, applies made through the applied cache over it,
// the data claims, and a log of every call the reconciler makes. The Secret is not watched: as in
// the wiring, only the memo of ../../../src/mysql/known-secrets.ts says it exists. Like the apiserver, it refuses an
// apply that changes a StatefulSet's volume claim templates.
import {
  type DefaultedMySQLCluster,
  type MySQLClusterStatus,
  mysqlClusterSchema,
} from '../../../src/api/mysqlcluster.ts';
import { FINALIZER } from '../../../src/constants.ts';
import { jsonEqual } from '../../../src/json/json.ts';
import { applyJsonPatch } from '../../../src/json/json-patch.ts';
import { createAppliedCache } from '../../../src/operator/applied-cache.ts';
import { toChildView } from '../../../src/operator/cache-transforms.ts';
import { MYSQL_CHILD_KINDS } from '../../../src/mysql/child-kinds.ts';
import { withKnownSecrets } from '../../../src/mysql/known-secrets.ts';
import type { Claim, MySQLReconcileContext } from '../../../src/mysql/reconcile-context.ts';
import { reconcileMySQLCluster } from '../../../src/mysql/reconcile-mysqlcluster.ts';
import type { Json } from './fixture.ts';

type StoredChild = { resourceVersion: string; body: Json; status?: Json };

export const NAMESPACE = 'team-a';
export const RESYNC_MS = 30_000;
export const T0 = new Date('2026-03-01T10:00:00.000Z');

const views = new Map(MYSQL_CHILD_KINDS.map((c) => [c.kind as string, c.view]));
const viewOf = <T extends Json>(obj: T): T => toChildView(views.get(obj.kind as string), obj as never) as T;

/**
 * The test's judge: the stored object parsed and defaulted as the webhook would (the real one is
 * wired in src/main.ts); `spec.replicas` over 5 is a limit exceeded, under 1 an invalid spec.
 */
function judge(raw: Json) {
  const parsed = mysqlClusterSchema.safeParse(raw);
  if (!parsed.success || parsed.data.spec.replicas! < 1) {
    return { invalid: 'MySQLCluster "db" is invalid: spec.replicas: must be at least 1' };
  }
  const spec = parsed.data.spec;
  const version = spec.version ?? '8.4';
  const cluster = {
    ...parsed.data,
    spec: {
      version,
      image: spec.image ?? `mysql:${version}`,
      replicas: spec.replicas ?? 1,
      storage: { claimRetention: 'Retain', size: '1Gi', ...spec.storage },
      resources: spec.resources ?? {},
      settings: spec.settings ?? {},
    },
  } as DefaultedMySQLCluster;
  const replicas = cluster.spec.replicas;
  return { cluster, ...(replicas > 5 && { limitExceeded: `spec.replicas: ${replicas} exceeds the maximum of 5` }) };
}

/** The claims of `cluster`'s members, as the StatefulSet names them (the wiring selects by label). */
const memberClaim = (cluster: string) => new RegExp(`^data-${cluster}-\\d+$`);

export function createCluster(cluster: Json | undefined, options: { finalized?: boolean } = {}) {
  let version = 100;
  const nextVersion = () => String(++version);
  let stored: Json | undefined = cluster && structuredClone(cluster);
  const children = new Map<string, StoredChild>();
  const claims = new Map<string, Claim>();
  /** Children the API server holds that the watch cache does not show yet. */
  const unseen = new Set<string>();
  /** Orphan deletions the garbage collector has not finished (the object stays, terminating). */
  const terminating = new Set<string>();
  let lagOrphans = false;
  const log: string[] = [];
  const events: string[] = [];
  const statuses: MySQLClusterStatus[] = [];
  const applied: Json[] = [];
  const created: Json[] = [];
  const failures = new Map<string, unknown>();
  let now = T0;

  const metadata = () => stored!.metadata as Json;
  const keyOf = (kind: string, name: string) => `${kind} ${name}`;
  const bump = () => (metadata().resourceVersion = nextVersion());
  const call = (line: string) => {
    log.push(line);
    if (failures.has(line)) throw failures.get(line);
  };
  if (stored) {
    bump();
    if (options.finalized) metadata().finalizers = [FINALIZER];
  }

  const toObject = (child: StoredChild): Json => {
    const object = structuredClone(child.body);
    object.metadata = { ...(object.metadata as Json), resourceVersion: child.resourceVersion };
    if (child.status) object.status = structuredClone(child.status);
    return object;
  };
  const cached = (kind: string, name: string) => {
    const key = keyOf(kind, name);
    const child = unseen.has(key) ? undefined : children.get(key);
    return child && viewOf(toObject(child));
  };
  const appliedCache = createAppliedCache((kind, _namespace, name) => cached(kind, name), viewOf);

  /** Server-side apply; a StatefulSet's generation moves with its spec, its templates are immutable. */
  async function serverSideApply<T extends Json>(obj: T): Promise<T> {
    const name = (obj.metadata as Json).name as string;
    const kind = obj.kind as string;
    call(`apply ${kind} ${name}`);
    applied.push(structuredClone(obj));
    const key = keyOf(kind, name);
    const body = JSON.parse(JSON.stringify(obj)) as Json;
    const previous = children.get(key);
    if (previous && jsonEqual(previous.body, body)) return toObject(previous) as T;
    const spec = (o: Json | undefined) => o?.spec as Json | undefined;
    if (kind === 'StatefulSet' && previous) {
      if (!jsonEqual(spec(previous.body)!.volumeClaimTemplates, spec(body)!.volumeClaimTemplates)) {
        throw new Error(`StatefulSet.apps "${name}" is invalid: spec: Forbidden: updates to statefulset spec ...`);
      }
    }
    if (kind === 'StatefulSet') {
      const generation = ((previous?.body.metadata as Json | undefined)?.generation as number | undefined) ?? 0;
      const changed = !previous || !jsonEqual(spec(previous.body), spec(body));
      (body.metadata as Json).generation = changed ? generation + 1 : generation;
    }
    const child = { ...previous, body, resourceVersion: nextVersion() };
    children.set(key, child);
    return toObject(child) as T;
  }

  const apiserver: Pick<MySQLReconcileContext, 'create' | 'hasChild' | 'deleteChild'> = {
    async create(obj) {
      const { kind, metadata: meta } = obj as Json & { metadata: { name: string } };
      call(`create ${kind} ${meta.name}`);
      created.push(structuredClone(obj) as Json);
      if (children.has(keyOf(kind as string, meta.name))) return false;
      children.set(keyOf(kind as string, meta.name), {
        body: structuredClone(obj) as Json,
        resourceVersion: nextVersion(),
      });
      return true;
    },
    hasChild: (kind, _namespace, name) => cached(kind, name) !== undefined,
    async deleteChild(kind, _namespace, name, deleteOptions) {
      const policy = deleteOptions?.propagationPolicy;
      call(`delete ${kind} ${name}${policy ? ` (${policy})` : ''}`);
      appliedCache.forget(kind, NAMESPACE, name);
      const key = keyOf(kind, name);
      if (!children.has(key)) return false;
      if (policy === 'Orphan' && lagOrphans) terminating.add(key);
      else children.delete(key);
      return true;
    },
  };
  // As the wiring does (mysql-controller.ts): the Secret is not watched, the memo says it exists.
  const secrets = withKnownSecrets(apiserver, { ttlMs: RESYNC_MS, now: () => now });

  const ctx: MySQLReconcileContext = {
    get(namespace, name) {
      if (!stored || namespace !== NAMESPACE || metadata().name !== name) return undefined;
      return structuredClone(stored);
    },
    async patch(_namespace, _name, operations) {
      call('patch');
      stored = applyJsonPatch(stored!, operations) as Json;
      bump();
      if (metadata().deletionTimestamp && !(metadata().finalizers as string[] | undefined)?.length) stored = undefined;
      return stored;
    },
    apply: (obj) => appliedCache.apply(obj, serverSideApply),
    ...secrets,
    getChild: (kind, _namespace, name) => cached(kind, name),
    async writeStatus(_namespace, _name, status) {
      call('status');
      statuses.push(structuredClone(status));
      stored!.status = structuredClone(status);
      bump();
    },
    events: {
      record(_subject, type, reason, message) {
        call(`event ${type} ${reason}: ${message}`);
        events.push(`${type} ${reason}: ${message}`);
      },
    },
    namespaceAnnotations: () => undefined,
    now: () => now,
    resyncMs: RESYNC_MS,
    desired: (raw) => judge(raw),
    async listClaims(_namespace, name) {
      call('list claims');
      return [...claims.values()].filter((c) => memberClaim(name).test(c.name)).map((c) => ({ ...c }));
    },
    async resizeClaim(_namespace, claim, size) {
      call(`resize ${claim} to ${size}`);
      claims.get(claim)!.size = size;
    },
    async deleteClaims(_namespace, name) {
      call('delete claims');
      const mine = [...claims.keys()].filter((claim) => memberClaim(name).test(claim));
      for (const claim of mine) claims.delete(claim);
      return mine;
    },
  };

  const statefulSet = () => children.get(keyOf('StatefulSet', 'db'));
  return {
    ctx,
    log,
    events,
    statuses,
    applied,
    created,
    children,
    claims,
    reconcile: () => reconcileMySQLCluster(`${NAMESPACE}/db`, ctx),
    get stored() {
      return stored;
    },
    get status() {
      return stored?.status as MySQLClusterStatus | undefined;
    },
    clear() {
      for (const list of [log, events, statuses, applied, created]) list.length = 0;
    },
    later(ms: number) {
      now = new Date(now.getTime() + ms);
    },
    /** `kubectl edit`: a new spec, a new generation. */
    editSpec(edit: (spec: Json) => void) {
      edit(stored!.spec as Json);
      metadata().generation = (metadata().generation as number) + 1;
      bump();
    },
    delete() {
      metadata().deletionTimestamp = '2026-03-01T11:00:00Z';
      bump();
    },
    /**
     * The StatefulSet controller: writes its status (observed at the current generation unless said
     * otherwise) and creates the claim of every member up to spec.replicas at the template's size
     * (its volume's capacity too; a resize changes only the request, until growVolumes()).
     */
    rollOut(status: Json) {
      const set = statefulSet()!;
      const spec = set.body.spec as { replicas: number; volumeClaimTemplates: Json[] };
      const template = spec.volumeClaimTemplates[0]!.spec as { resources: { requests: { storage: string } } };
      for (let i = 0; i < spec.replicas; i++) {
        const name = `data-db-${i}`;
        const size = template.resources.requests.storage;
        if (!claims.has(name)) claims.set(name, { name, size, phase: 'Bound', capacity: size });
      }
      const generation = (set.body.metadata as Json).generation;
      const next = { ...set, status: { observedGeneration: generation, ...status }, resourceVersion: nextVersion() };
      children.set(keyOf('StatefulSet', 'db'), next);
    },
    /** The storage driver's resizer: every claim's volume grows to its request. */
    growVolumes() {
      for (const claim of claims.values()) claim.capacity = claim.size;
    },
    /** Orphan deletions stay until finishOrphans(), as while the garbage collector releases the Pods. */
    lagOrphans() {
      lagOrphans = true;
    },
    finishOrphans() {
      for (const key of terminating) {
        const [kind, name] = key.split(' ') as [string, string];
        children.delete(key);
        appliedCache.forget(kind, NAMESPACE, name);
      }
      terminating.clear();
    },
    /** The API server holds the child, the watch cache does not show it yet. */
    hide(kind: string, name: string) {
      unseen.add(keyOf(kind, name));
    },
    /** `kubectl delete` of a child; the watch sees it go. */
    removeChild(kind: string, name: string) {
      children.delete(keyOf(kind, name));
      appliedCache.forget(kind, NAMESPACE, name);
    },
    fail(line: string, err: unknown) {
      failures.set(line, err);
    },
    heal(line: string) {
      failures.delete(line);
    },
  };
}

export type Cluster = ReturnType<typeof createCluster>;

/** `type status reason: message` of a condition, for compact assertions. */
export function condition(status: MySQLClusterStatus | undefined, type: string): string | undefined {
  const found = status?.conditions?.find((c) => c.type === type);
  return found && `${found.status} ${found.reason}: ${found.message}`;
}

/** Everything the reconciler sent anywhere but the Secret's create: where a password must never be. */
export function everythingButTheSecret(cluster: Cluster): string {
  return JSON.stringify([cluster.log, cluster.events, cluster.statuses, cluster.applied, cluster.stored]);
}
