// A KubeConfig whose API calls (through the generated clients) fail after `requestTimeoutMs`
// instead of hanging. Without it a partitioned leader's in-flight reconcile never returns, so the
// term could never end. Watches are unaffected: they carry their own abort signal and timeout.
//
// It also keeps one connection pool per cluster and user. client-node 2.x gives every request a new
// undici Agent (KubeConfig.applySecurityAuthentication -> createDispatcher, which, unlike
// createAgent, is not cached), so every API call opened a new TLS connection: a new SecureContext
// (CA, client certificate and key parsed again) and a full handshake. On the leader that was most
// of its CPU while reconciling (CPU profile of 150 creates: TLS context and handshake functions on
// top), and it ran on the event loop that also answers admission.
import { KubeConfig, type RequestContext } from '@kubernetes/client-node';

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

export class TimeoutKubeConfig extends KubeConfig {
  requestTimeoutMs = 10_000;
  abortSignal: AbortSignal | undefined;
  /** Shared with every withAbortSignal() view: by cluster, user and their TLS settings. */
  private readonly dispatchers = new Map<string, Dispatcher>();

  /**
   * The same configuration, with every call also aborted when `signal` aborts: a leadership term's
   * writes stop the moment the term ends, not when their own timeouts run out.
   */
  withAbortSignal(signal: AbortSignal): TimeoutKubeConfig {
    const scoped = Object.create(this) as TimeoutKubeConfig;
    scoped.abortSignal = signal;
    return scoped;
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const fresh = context.getDispatcher();
    if (fresh) context.setDispatcher(this.sharedDispatcher(fresh));
    if (context.getSignal()) return;
    const timeout = AbortSignal.timeout(this.requestTimeoutMs);
    context.setSignal(this.abortSignal ? AbortSignal.any([timeout, this.abortSignal]) : timeout);
  }

  /**
   * The first dispatcher client-node built for this cluster and user, kept; `fresh` (not used yet,
   * so it holds no connection) is dropped. The key is the kubeconfig's TLS settings as written
   * (inline data or file names): a kubeconfig edited in place is read at start-up only anyway.
   */
  private sharedDispatcher(fresh: Dispatcher): Dispatcher {
    const cluster = this.getCurrentCluster();
    const user = this.getCurrentUser();
    const key = JSON.stringify([
      cluster?.name,
      cluster?.server,
      cluster?.caData,
      cluster?.caFile,
      cluster?.skipTLSVerify,
      cluster?.tlsServerName,
      cluster?.proxyUrl,
      user?.name,
      user?.certData,
      user?.certFile,
      user?.keyData,
      user?.keyFile,
    ]);
    const kept = this.dispatchers.get(key);
    if (kept) return kept;
    this.dispatchers.set(key, fresh);
    return fresh;
  }
}
