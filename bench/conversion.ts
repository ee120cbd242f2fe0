// What the WebApp conversion webhook costs (issue #35), in one run:
// 1. per object, in this process (bench/conversion-cost.ts): convertWebApp and a whole
//    ConversionReview through reviewConversion, v1 -> v2 and v2 -> v1, for a WebApp v1 can say
//    whole and one with v2-only fields; and through the HTTPS route against bare `node:https`
//    (bench/conversion-route.ts);
// 2. through the real apiserver (bench/conversion-list.ts): a dev environment (src/dev, as the
//    other benchmarks start it: one replica of src/main.ts with the Deployment's runtime
//    environment) holding `--count` WebApps stored at v1, half written at v2; the p50 and p90 of a
//    LIST at v2 (converted) against v1 (the storage version), read from the watch cache
//    (resourceVersion=0) and as a quorum read (no resourceVersion), then the same against an
//    apiserver started with --watch-cache=false, with the ConversionReviews each list made the
//    replica answer. kube-apiserver v1.37 serves a quorum read from the watch cache too
//    (ConsistentListFromCache), so only the second apiserver lists from etcd.
// Prints tables and ratios and a final `RESULT <json>` line. No target: the issue asks for figures.
//
//   node bench/conversion.ts [--rounds 15] [--round-ms 200] [--requests 6000] [--count 1000] [--lists 15]
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CoreV1Api } from '@kubernetes/client-node';
import { API_GROUP, CONVERT_PATH, VALIDATE_PATH } from '../src/constants.ts';
import { writeDevCertificates } from '../src/dev/dev-certificates.ts';
import { startDevEnvironment } from '../src/dev/dev-environment.ts';
import { RUNTIME_ENV } from '../src/manifests/deployment.ts';
import { webAppCreateReview } from './admission-review.ts';
import { waitForQuiet } from './apiserver-requests.ts';
import { conversionCases, measureCases } from './conversion-cost.ts';
import { type ListFigure, type ListMode, createWebApps, measureLists } from './conversion-list.ts';
import { V1_PLAIN, V2_RICH, conversionReview } from './conversion-objects.ts';
import { measureRoute } from './conversion-route.ts';
import { startAdmissionServer, startBareWebhook } from './servers.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '15' },
    'round-ms': { type: 'string', default: '200' },
    requests: { type: 'string', default: '6000' },
    count: { type: 'string', default: '1000' },
    lists: { type: 'string', default: '15' },
  },
});
const rounds = Number(values.rounds);
const count = Number(values.count);
const lists = Number(values.lists);
const r = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

console.log(`conversion benchmark: ${rounds} rounds; ${count} WebApps listed ${lists} times per cell`);

// 1a. In this process.
const cases = measureCases(conversionCases(), rounds, Number(values['round-ms']));
console.log('\nper object, in this process (median of rounds):');
for (const c of cases) console.log(`  ${c.name.padEnd(42)} ${(c.nsPerObject / 1000).toFixed(2).padStart(8)} µs`);

// 1b. Through the HTTPS route, against bare node:https in the same run.
const dir = await mkdtemp(join(tmpdir(), 'shipshape-conversion-bench-'));
const certs = await writeDevCertificates(join(dir, 'certs'));
const root = fileURLToPath(new URL('..', import.meta.url));
const shipshape = await startAdmissionServer('shipshape', root, certs, dir, [], { ...process.env, ...RUNTIME_ENV });
const bare = await startBareWebhook(certs, dir);
const body = (object: unknown, to: string) => Buffer.from(JSON.stringify(conversionReview([object], to)));
let route;
try {
  route = await measureRoute(
    [
      {
        name: 'bare node:https, 1-object review',
        server: bare,
        path: CONVERT_PATH,
        body: body(V1_PLAIN, `${API_GROUP}/v2`),
      },
      {
        name: 'route, v1 -> v2, plain',
        server: shipshape,
        path: CONVERT_PATH,
        body: body(V1_PLAIN, `${API_GROUP}/v2`),
      },
      {
        name: 'route, v2 -> v1, v2-only fields',
        server: shipshape,
        path: CONVERT_PATH,
        body: body(V2_RICH, `${API_GROUP}/v1`),
      },
      {
        name: 'admission validate (for scale)',
        server: shipshape,
        path: VALIDATE_PATH,
        body: Buffer.from(webAppCreateReview('bench-uid')),
      },
    ],
    certs.caPem,
    rounds,
    Number(values.requests) / rounds,
  );
} finally {
  await shipshape.stop();
  await bare.stop();
}
const bareRoute = route[0]!;
console.log(
  '\nper review through HTTPS, one connection, one at a time (round trip: median of rounds; CPU: over all rounds):',
);
for (const f of route)
  console.log(
    `  ${f.name.padEnd(36)} round trip ${f.roundTripUs.toFixed(0).padStart(5)} µs (${(f.roundTripUs / bareRoute.roundTripUs).toFixed(2)} x bare)` +
      `  server CPU ${f.cpuUs.toFixed(0).padStart(4)} µs (${(f.cpuUs / bareRoute.cpuUs).toFixed(2)} x bare)`,
  );

// 2. Through the apiserver: with its watch cache, then without.
const V1_SPEC = V1_PLAIN.spec;
const V2_SPEC = V2_RICH.spec;
async function listPhase(watchCache: boolean, modes: ListMode[]): Promise<{ figures: ListFigure[]; quietS: number }> {
  const env = await startDevEnvironment({
    nodes: 0,
    replicas: 1,
    env: { SHIPSHAPE_LOG_LEVEL: 'warn', ...RUNTIME_ENV },
    ...(!watchCache && { apiserverArgs: ['--watch-cache=false'] }),
  });
  try {
    const namespace = 'conversion-bench';
    await env.kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
    const started = performance.now();
    await createWebApps(env.kc, namespace, count, { v1: V1_SPEC, v2: V2_SPEC });
    console.log(`  ${count} WebApps created in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const quietS = await waitForQuiet(env.kc);
    const figures = await measureLists(env.kc, env.replicas[0]!.metricsPort, namespace, modes, lists, count);
    return { figures, quietS };
  } finally {
    await env.stop();
  }
}
console.log('\nLIST through the apiserver, watch cache on:');
const cached = await listPhase(true, [
  { name: 'watch cache (resourceVersion=0)', query: { resourceVersion: '0' } },
  { name: 'quorum read (no resourceVersion)', query: {} },
]);
console.log('LIST through the apiserver, --watch-cache=false:');
const uncached = await listPhase(false, [{ name: '--watch-cache=false, quorum read', query: {} }]);
const listFigures = [...cached.figures, ...uncached.figures];
console.log(`\nLIST of ${count} WebApps (${lists} per cell):`);
console.log('  mode                                version  p50 ms   p90 ms  reviews/list  objects/list');
for (const f of listFigures)
  console.log(
    `  ${f.mode.padEnd(35)} ${f.version.padEnd(7)} ${f.p50Ms.toFixed(1).padStart(7)}  ${f.p90Ms.toFixed(1).padStart(7)}` +
      `  ${String(f.reviewsPerList).padStart(12)}  ${String(f.objectsPerList).padStart(12)}`,
  );
const ratios = Object.fromEntries(
  [...new Set(listFigures.map((f) => f.mode))].map((mode) => {
    const [v1, v2] = ['v1', 'v2'].map((v) => listFigures.find((f) => f.mode === mode && f.version === v)!);
    return [mode, { p50: r(v2!.p50Ms / v1!.p50Ms), p90: r(v2!.p90Ms / v1!.p90Ms) }];
  }),
);
console.log('  v2 over v1:');
for (const [mode, ratio] of Object.entries(ratios))
  console.log(`    ${mode.padEnd(35)} p50 ${ratio.p50} x, p90 ${ratio.p90} x`);

console.log(
  `RESULT ${JSON.stringify({
    benchmark: 'conversion',
    rounds,
    count,
    lists_per_cell: lists,
    per_object_ns: Object.fromEntries(cases.map((c) => [c.name, r(c.nsPerObject, 0)])),
    route: Object.fromEntries(route.map((f) => [f.name, { roundTripUs: r(f.roundTripUs, 1), cpuUs: r(f.cpuUs, 1) }])),
    route_vs_bare: Object.fromEntries(
      route.map((f) => [
        f.name,
        { roundTrip: r(f.roundTripUs / bareRoute.roundTripUs), cpu: r(f.cpuUs / bareRoute.cpuUs) },
      ]),
    ),
    list_figures: listFigures.map((f) => ({ ...f, p50Ms: r(f.p50Ms, 1), p90Ms: r(f.p90Ms, 1) })),
    list_v2_over_v1: ratios,
    quiet_wait_s: { cached: r(cached.quietS, 1), uncached: r(uncached.quietS, 1) },
  })}`,
);
