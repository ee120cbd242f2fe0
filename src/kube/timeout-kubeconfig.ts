// A KubeConfig whose API calls (through the generated clients) fail after `requestTimeoutMs`
// instead of hanging. Without it a partitioned leader's in-flight reconcile never returns, so the
// term could never end. Watches are unaffected: they carry their own abort signal and timeout.
import { KubeConfig, type RequestContext } from '@kubernetes/client-node';

export class TimeoutKubeConfig extends KubeConfig {
  requestTimeoutMs = 10_000;
  abortSignal: AbortSignal | undefined;

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
    if (context.getSignal()) return;
    const timeout = AbortSignal.timeout(this.requestTimeoutMs);
    context.setSignal(this.abortSignal ? AbortSignal.any([timeout, this.abortSignal]) : timeout);
  }
}
