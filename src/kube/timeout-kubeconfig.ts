// A KubeConfig whose API calls (through the generated clients) fail after `requestTimeoutMs`
// instead of hanging. Without it a partitioned leader's in-flight reconcile never returns, so the
// term could never end. Watches are unaffected: they carry their own abort signal and timeout.
import { KubeConfig, type RequestContext } from '@kubernetes/client-node';

export class TimeoutKubeConfig extends KubeConfig {
  requestTimeoutMs = 10_000;

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    if (!context.getSignal()) context.setSignal(AbortSignal.timeout(this.requestTimeoutMs));
  }
}
