// A local control plane with Shipshape registered and admitting: what `npm run dev` runs and what
// the integration tests start. Shipshape runs as real processes of src/main.ts, each with its own
// POD_NAME and client certificate, behind a local TCP balancer that plays the webhook Service. The
// WebApps' Pods run on kwok's fake Nodes, or, with `realNode`, as real containers on a real node
// (src/control-plane/real-node.ts); the replicas stay host processes either way.
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { SHIPSHAPE_NAMESPACE } from '../constants.ts';
import { type ControlPlane, startControlPlane } from '../control-plane/control-plane.ts';
import { type RealNode, type RealNodeOptions, startRealNode } from '../control-plane/real-node.ts';
import { type DevCertificates, writeDevCertificates } from './dev-certificates.ts';
import { installCrd, registerWebhooks, waitUntilAdmitting } from './install.ts';
import { type ShipshapeProcess, startShipshapeProcess } from './shipshape-process.ts';
import { type TcpProxy, startTcpProxy } from './tcp-proxy.ts';

export type DevEnvironmentOptions = {
  /** Where ca.crt, tls.crt and tls.key go; default: inside the control plane's folder. */
  certsDir?: string;
  /** Where each replica's log goes; default: the control plane's folder. */
  logsDir?: string;
  replicas?: number;
  /** Extra environment for every Shipshape process (settings, OTEL_*). */
  env?: NodeJS.ProcessEnv;
  /** Give each replica its own TCP link to the apiserver, which `links` can cut. */
  linkProxies?: boolean;
  /** Record every write in the apiserver's audit log (cp.auditLogPath). */
  audit?: boolean;
  /** Fake Nodes (with the controllers and scheduler) as startControlPlane's `nodes`; default 3. */
  nodes?: number;
  /**
   * Instead of fake Nodes, a real node started with these options (startRealNode; it waits while
   * another real node runs on the machine). Needs root and scripts/install-node.sh's build.
   */
  realNode?: RealNodeOptions;
  /** The apiserver's own traces go here (OTLP/gRPC host:port), as startControlPlane's. */
  tracingEndpoint?: string;
  /** Extra kube-apiserver flags, as startControlPlane's. */
  apiserverArgs?: string[];
  /** The balancer's port (the webhooks' URL); default: a free one. */
  webhookPort?: number;
  /** The client certificate each replica's readiness probe presents (with SHIPSHAPE_CLIENT_CA_FILE). */
  probeClient?: { cert: string; key: string };
};

export type DevEnvironment = {
  cp: ControlPlane;
  /** The real node, when asked for (`realNode`). */
  node?: RealNode;
  kc: KubeConfig;
  certs: DevCertificates;
  /** Every replica started so far, running or not, in start order. */
  replicas: ShipshapeProcess[];
  /** The link of each replica to the apiserver (with linkProxies), by replica name. */
  links: Map<string, TcpProxy>;
  /** The webhook address kube-apiserver calls: a balancer over the running replicas. */
  webhookUrl: string;
  /** Starts one more replica (named shipshape-dev-<n>) and resolves once it is ready. */
  addReplica(): Promise<ShipshapeProcess>;
  /**
   * Stops the Shipshape processes (SIGTERM), then the real node if any, then the control plane
   * (even when the node's teardown rejects, with what it left, after).
   */
  stop(): Promise<void>;
};

export async function startDevEnvironment(options: DevEnvironmentOptions = {}): Promise<DevEnvironment> {
  const cp = await startControlPlane({
    audit: options.audit ?? false,
    ...(options.nodes !== undefined && { nodes: options.nodes }),
    ...(options.realNode && { realNode: true }),
    ...(options.tracingEndpoint && { tracingEndpoint: options.tracingEndpoint }),
    ...(options.apiserverArgs && { apiserverArgs: options.apiserverArgs }),
  });
  // The replicas, as the control plane's processes, are killed if this process dies without stop()
  // (src/runtime/child-watchdog.ts), from the moment each starts.
  const replicas: ShipshapeProcess[] = [];
  const links = new Map<string, TcpProxy>();
  let balancer: TcpProxy | undefined;
  let node: RealNode | undefined;
  // Each part is stopped whatever the one before did: a replica that fails to stop must not leave
  // the node (its host changes, the machine's lock) or the control plane running.
  const stop = async () => {
    try {
      await Promise.all(replicas.map((r) => r.stop()));
      await Promise.all([...links.values(), ...(balancer ? [balancer] : [])].map((p) => p.close()));
    } finally {
      try {
        await node?.stop();
      } finally {
        await cp.stop();
      }
    }
  };
  try {
    if (options.realNode) node = await startRealNode(cp, options.realNode);
    const kc = new KubeConfig();
    kc.loadFromFile(cp.kubeconfigPath);
    const certs = await writeDevCertificates(options.certsDir ?? join(cp.dir, 'certs'));
    // The balancer first (it forwards to whichever replicas run when called), so that the CRD is
    // installed with its conversion webhook at its final address: a later change to the CRD would
    // end the replicas' WebApp watches.
    balancer = await startTcpProxy(
      () => replicas.filter((r) => r.isRunning()).map((r) => ({ host: '127.0.0.1', port: r.port })),
      options.webhookPort,
    );
    const webhookUrl = `https://127.0.0.1:${balancer.port}`;
    const target = { kind: 'url', baseUrl: webhookUrl, caPem: certs.caPem } as const;
    await installCrd(kc, { conversion: target });
    await kc
      .makeApiClient(CoreV1Api)
      .createNamespace({ body: { metadata: { name: SHIPSHAPE_NAMESPACE } } })
      .catch((err: { code?: number }) => {
        if (err.code !== 409) throw err;
      });

    const apiserverPort = Number(new URL(cp.server).port);
    const addReplica = async () => {
      const podName = `shipshape-dev-${replicas.length}`;
      let server: string | undefined;
      if (options.linkProxies) {
        const link = await startTcpProxy(() => [{ host: '127.0.0.1', port: apiserverPort }]);
        links.set(podName, link);
        server = `https://127.0.0.1:${link.port}`;
      }
      const replica = await startShipshapeProcess({
        kubeconfigPath: await cp.issueKubeconfig(podName, server),
        certs,
        podName,
        logPath: join(options.logsDir ?? cp.dir, `${podName}.log`),
        ...(options.env && { env: options.env }),
        ...(options.probeClient && { probeClient: options.probeClient }),
      });
      replicas.push(replica);
      return replica;
    };
    for (let i = 0; i < (options.replicas ?? 1); i++) await addReplica();
    await registerWebhooks(kc, target);
    await waitUntilAdmitting(kc);
    return { cp, node, kc, certs, replicas, links, webhookUrl, addReplica, stop };
  } catch (err) {
    const tails = await Promise.all(replicas.map(async (r) => `--- ${r.name} ---\n${await r.tail()}`));
    await stop().catch((stopErr: unknown) => tails.push(String(stopErr)));
    throw new Error(`the dev environment did not start: ${(err as Error).message}\n${tails.join('\n')}`, {
      cause: err,
    });
  }
}
