// A local control plane with Shipshape registered and admitting: what `npm run dev` runs and what
// the integration tests start. Shipshape runs as real processes of src/main.ts.
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { type ControlPlane, startControlPlane } from '../control-plane/control-plane.ts';
import { type DevCertificates, writeDevCertificates } from './dev-certificates.ts';
import { installCrd, registerWebhooks, waitUntilAdmitting } from './install.ts';
import { type ShipshapeProcess, startShipshapeProcess } from './shipshape-process.ts';

export type DevEnvironmentOptions = {
  /** Where ca.crt, tls.crt and tls.key go; default: inside the control plane's folder. */
  certsDir?: string;
  /** Where each replica's log goes; default: the control plane's folder. */
  logsDir?: string;
  replicas?: number;
  /** Extra environment for the Shipshape processes (settings, OTEL_*). */
  env?: NodeJS.ProcessEnv;
};

export type DevEnvironment = {
  cp: ControlPlane;
  kc: KubeConfig;
  certs: DevCertificates;
  replicas: ShipshapeProcess[];
  /** Stops the Shipshape processes (SIGTERM), then the control plane. */
  stop(): Promise<void>;
};

export async function startDevEnvironment(options: DevEnvironmentOptions = {}): Promise<DevEnvironment> {
  const cp = await startControlPlane();
  const replicas: ShipshapeProcess[] = [];
  const stop = async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await cp.stop();
  };
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(cp.kubeconfigPath);
    const certs = await writeDevCertificates(options.certsDir ?? join(cp.dir, 'certs'));
    await installCrd(kc);
    for (let i = 0; i < (options.replicas ?? 1); i++) {
      const podName = `shipshape-dev-${i}`;
      replicas.push(
        await startShipshapeProcess({
          kubeconfigPath: cp.kubeconfigPath,
          certs,
          podName,
          logPath: join(options.logsDir ?? cp.dir, `${podName}.log`),
          ...(options.env && { env: options.env }),
        }),
      );
    }
    // A local cluster has no Service in front of the replicas; the first one takes the webhooks.
    await registerWebhooks(kc, { kind: 'url', baseUrl: replicas[0]!.baseUrl, caPem: certs.caPem });
    await waitUntilAdmitting(kc);
    return { cp, kc, certs, replicas, stop };
  } catch (err) {
    const tails = await Promise.all(replicas.map(async (r) => `--- ${r.name} ---\n${await r.tail()}`));
    await stop();
    throw new Error(`the dev environment did not start: ${(err as Error).message}\n${tails.join('\n')}`, {
      cause: err,
    });
  }
}
