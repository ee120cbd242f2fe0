/**
 * Scrapes a replica's Prometheus endpoint (GET /metrics on its plain-HTTP port) and sums each
 * metric over its series, or over the series whose label text `where` accepts.
 */
export async function scrapeTotals(
  port: number,
  where: (labels: string) => boolean = () => true,
): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const totals = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(\{[^}]*\})? ([\d.e+-]+)$/.exec(line);
    if (match && where(match[2] ?? '')) totals.set(match[1]!, (totals.get(match[1]!) ?? 0) + Number(match[3]));
  }
  return totals;
}
