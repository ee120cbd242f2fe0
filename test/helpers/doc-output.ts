// Reading a command's output the way a document describes it: its comments show lines or parts
// of the output with text elided, or describe a table's columns in words.

/**
 * The regular expression a comment that shows output stands for: `...` and `(...)` elide text on
 * a line, `<word>` stands for one word, any run of blanks (a wrapped comment's line break among
 * them) for any blanks. `line`: it is a whole line of the output; `part`: a part of one.
 */
export function commentPattern(comment: string, whole: 'line' | 'part'): RegExp {
  const body = comment
    .trim()
    .split(/(\(\.\.\.\)|\.\.\.|<[\w-]+>|\s+)/)
    .map((piece) => {
      if (piece === '(...)') return '\\([^\\n]*\\)';
      if (piece === '...') return '[^\\n]*?';
      if (/^<[\w-]+>$/.test(piece)) return '\\S+';
      if (/^\s+$/.test(piece)) return '\\s+';
      return piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return whole === 'line' ? new RegExp(`^${body}$`, 'm') : new RegExp(body);
}

/** The cells of a `kubectl get` table's first row, by column header; {} without a row. */
export function firstRow(output: string): Record<string, string> {
  const lines = output.split('\n').filter((l) => l.trim() !== '');
  const header = lines.findIndex((l) => l.startsWith('NAME '));
  const row = lines[header + 1];
  if (header < 0 || row === undefined) return {};
  const columns = [...lines[header]!.matchAll(/\S+/g)].map((m) => ({ name: m[0], at: m.index }));
  return Object.fromEntries(columns.map((c, i) => [c.name, row.slice(c.at, columns[i + 1]?.at).trim()]));
}

/** A check that the output has every one of `wanted`: what it lacks, or undefined. */
export const includes =
  (...wanted: (string | RegExp)[]) =>
  (output: string): string | undefined => {
    const missing = wanted.filter((w) => (typeof w === 'string' ? !output.includes(w) : !w.test(output)));
    return missing.length ? `no ${missing.map(String).join(', ')}` : undefined;
  };
