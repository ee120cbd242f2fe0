// A Markdown table as Prettier writes one: every column padded to its widest cell, the delimiter
// row of dashes, at least three wide. Generated blocks are rendered so, so that `prettier --check`
// and `npm run render:check` agree on the same text.

/** `text` as inline code. Text holding a backtick gets a longer fence, as CommonMark allows. */
export function code(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return longest === 0 ? `${fence}${text}${fence}` : `${fence} ${text} ${fence}`;
}

/** A cell: a pipe would end it, a line break would end the row. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll(/\s*\n\s*/g, ' ');
}

/** The table of `header` and `rows` (each row as many cells as the header), without a final newline. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  for (const row of rows) {
    if (row.length !== header.length) throw new Error(`a row of ${row.length} cells under ${header.length} columns`);
  }
  const cells = [header, ...rows].map((row) => row.map(cell));
  const widths = header.map((_, column) => Math.max(3, ...cells.map((row) => row[column]!.length)));
  const line = (row: readonly string[]) => `| ${row.map((text, i) => text.padEnd(widths[i]!)).join(' | ')} |`;
  const [head, ...body] = cells;
  return [line(head!), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** `text` in a fenced code block of `language`; the fence is longer than any backtick run inside. */
export function codeBlock(text: string, language = 'text'): string {
  const longest = Math.max(0, ...[...text.matchAll(/^`{3,}/gm)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${language}\n${text.replace(/\n$/, '')}\n${fence}`;
}
