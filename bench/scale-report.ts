// bench/scale.ts's table and per-1,000 costs: pure functions of the measured rows.

export type ScaleRow = {
  webApps: number;
  leaderRssMiB: number;
  standbyRssMiB: number;
  leaderHeapMiB: number;
  standbyHeapMiB: number;
  leaderOverStandby: number;
  convergedSeconds: number;
  webAppsPerSecond: number;
  baselineSeconds: number;
  ratioToBaseline: number;
  requestsPerWebApp: number;
  handoverFromAcquireMs: number;
  handoverFromSigtermMs: number;
  relistLeaderRatio: number;
  relistStandbyRatio: number;
};

export type IdleRow = Pick<ScaleRow, 'webApps' | 'leaderRssMiB' | 'standbyRssMiB' | 'leaderHeapMiB' | 'standbyHeapMiB'>;

const COLUMNS: [string, (r: ScaleRow) => string][] = [
  ['WebApps', (r) => String(r.webApps)],
  ['RSS leader', (r) => r.leaderRssMiB.toFixed(0)],
  ['RSS standby', (r) => r.standbyRssMiB.toFixed(0)],
  ['leader/standby', (r) => r.leaderOverStandby.toFixed(2)],
  ['heap leader', (r) => r.leaderHeapMiB.toFixed(0)],
  ['heap standby', (r) => r.standbyHeapMiB.toFixed(0)],
  ['converged s', (r) => r.convergedSeconds.toFixed(1)],
  ['WebApps/s', (r) => r.webAppsPerSecond.toFixed(1)],
  ['baseline s', (r) => r.baselineSeconds.toFixed(1)],
  ['x baseline', (r) => r.ratioToBaseline.toFixed(2)],
  ['requests/WebApp', (r) => r.requestsPerWebApp.toFixed(1)],
  ['handover ms (acquire)', (r) => `${r.handoverFromAcquireMs} (${r.handoverFromSigtermMs} from SIGTERM)`],
  ['relist peak x', (r) => `${r.relistLeaderRatio.toFixed(2)} / ${r.relistStandbyRatio.toFixed(2)}`],
];

/** A Markdown table of the steps (MiB; the relist column is leader / standby). */
export function formatTable(rows: ScaleRow[]): string {
  const cells = [COLUMNS.map(([h]) => h), ...rows.map((r) => COLUMNS.map(([, f]) => f(r)))];
  const widths = COLUMNS.map((_, c) => Math.max(...cells.map((row) => row[c]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, c) => cell.padStart(widths[c]!)).join(' | ')} |`;
  return [
    line(cells[0]!),
    `|${widths.map((w) => '-'.repeat(w + 1) + ':').join('|')}|`,
    ...cells.slice(1).map(line),
  ].join('\n');
}

const LIMIT_MIB = 512;
const HEAP_BOUND_MIB = 320;
const r2 = (x: number) => Math.round(x * 100) / 100;

/**
 * MiB per 1,000 WebApps (with their children) on the leader and a standby: the slope from the
 * replicas at 0 WebApps to the last step, and between consecutive steps; the leader/standby ratio
 * at each step; the RSS and heap those slopes put at 50,000 WebApps, against the Deployment's
 * limit (512Mi) and heap bound (320 MiB).
 */
export function perThousand(idle: IdleRow, rows: ScaleRow[]) {
  const last = rows.at(-1)!;
  const slope = (a: number, b: number, n: number) => ((b - a) / n) * 1000;
  const n = last.webApps - idle.webApps;
  const figures = {
    leaderRssMiB: r2(slope(idle.leaderRssMiB, last.leaderRssMiB, n)),
    standbyRssMiB: r2(slope(idle.standbyRssMiB, last.standbyRssMiB, n)),
    leaderHeapMiB: r2(slope(idle.leaderHeapMiB, last.leaderHeapMiB, n)),
    standbyHeapMiB: r2(slope(idle.standbyHeapMiB, last.standbyHeapMiB, n)),
    betweenSteps: rows.map((r, k) => {
      const prev = k === 0 ? idle : rows[k - 1]!;
      return {
        from: prev.webApps,
        to: r.webApps,
        leaderRssMiB: r2(slope(prev.leaderRssMiB, r.leaderRssMiB, r.webApps - prev.webApps)),
        standbyRssMiB: r2(slope(prev.standbyRssMiB, r.standbyRssMiB, r.webApps - prev.webApps)),
      };
    }),
    leaderOverStandbyMax: Math.max(...rows.map((r) => r.leaderOverStandby)),
    at50000: {} as Record<string, number>,
  };
  figures.at50000 = {
    leaderRssMiB: Math.round(idle.leaderRssMiB + figures.leaderRssMiB * 50),
    standbyRssMiB: Math.round(idle.standbyRssMiB + figures.standbyRssMiB * 50),
    leaderHeapMiB: Math.round(idle.leaderHeapMiB + figures.leaderHeapMiB * 50),
  };
  const fits = (rss: number) => Math.floor(((LIMIT_MIB - idle.leaderRssMiB) / rss) * 1000);
  const lines = [
    `per 1,000 WebApps (0 to ${last.webApps}): RSS leader ${figures.leaderRssMiB} MiB, standby ${figures.standbyRssMiB} MiB;` +
      ` heap used leader ${figures.leaderHeapMiB} MiB, standby ${figures.standbyHeapMiB} MiB`,
    ...figures.betweenSteps.map(
      (s) => `  ${s.from} to ${s.to}: RSS leader ${s.leaderRssMiB} MiB, standby ${s.standbyRssMiB} MiB per 1,000`,
    ),
    `leader/standby RSS: ${rows.map((r) => r.leaderOverStandby.toFixed(2)).join(', ')} (target <= 1.2 at every step)`,
    `at 50,000 WebApps by these slopes: RSS leader ${figures.at50000.leaderRssMiB} MiB, standby ${figures.at50000.standbyRssMiB} MiB` +
      ` (limit ${LIMIT_MIB} MiB), leader heap ${figures.at50000.leaderHeapMiB} MiB (bound ${HEAP_BOUND_MIB} MiB);` +
      ` the leader's RSS slope reaches the limit at about ${fits(figures.leaderRssMiB)} WebApps`,
  ];
  return { figures, lines };
}
