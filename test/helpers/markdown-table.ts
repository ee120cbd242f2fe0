/** The body rows of a rendered Markdown table (header and rule skipped), each as its trimmed cells. */
export function tableRows(table: string): string[][] {
  return table
    .split('\n')
    .slice(2)
    .map((line) =>
      line
        .slice(2, -2)
        .split(' | ')
        .map((c) => c.trim()),
    );
}
