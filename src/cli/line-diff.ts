// A unified diff of two texts, line by line (longest common subsequence), for `-o diff`. Inputs
// are rendered Kubernetes objects, a few hundred lines at most, so the quadratic table is fine.

type Line = { sign: ' ' | '-' | '+'; text: string; a: number; b: number };

function toLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

function compare(a: string[], b: string[]): Line[] {
  const width = b.length + 1;
  // common[i * width + j]: length of the longest common subsequence of a[i..] and b[j..].
  const common = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      common[i * width + j] =
        a[i] === b[j]
          ? common[(i + 1) * width + j + 1]! + 1
          : Math.max(common[(i + 1) * width + j]!, common[i * width + j + 1]!);
    }
  }
  const lines: Line[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) lines.push({ sign: ' ', text: a[i++]!, a: i, b: ++j });
    else if (j >= b.length || (i < a.length && common[(i + 1) * width + j]! >= common[i * width + j + 1]!)) {
      lines.push({ sign: '-', text: a[i++]!, a: i, b: j });
    } else lines.push({ sign: '+', text: b[j++]!, a: i, b: j });
  }
  return lines;
}

/** "@@ -3,4 +3,9 @@": first line and count on each side; an empty side names the line before. */
function hunkHeader(hunk: Line[]): string {
  const side = (key: 'a' | 'b', skip: '-' | '+') => {
    const own = hunk.filter((l) => l.sign !== skip);
    const first = own[0];
    if (!first) return `${hunk[0]![key]},0`;
    return own.length === 1 ? `${first[key]}` : `${first[key]},${own.length}`;
  };
  return `@@ -${side('a', '+')} +${side('b', '-')} @@`;
}

/**
 * The unified diff from `before` to `after` with `context` lines around each change, headed by
 * `--- from` and `+++ to`; an empty string when the texts are equal.
 */
export function unifiedDiff(before: string, after: string, from: string, to: string, context = 3): string {
  const lines = compare(toLines(before), toLines(after));
  const changed = lines.flatMap((l, index) => (l.sign === ' ' ? [] : [index]));
  if (!changed.length) return '';
  const out = [`--- ${from}`, `+++ ${to}`];
  let start = 0;
  while (start < changed.length) {
    let end = start;
    while (end + 1 < changed.length && changed[end + 1]! - changed[end]! <= 2 * context + 1) end++;
    const hunk = lines.slice(Math.max(0, changed[start]! - context), changed[end]! + context + 1);
    out.push(hunkHeader(hunk), ...hunk.map((l) => `${l.sign}${l.text}`));
    start = end + 1;
  }
  return `${out.join('\n')}\n`;
}
