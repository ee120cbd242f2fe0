// The anchors GitHub gives a Markdown page: one per heading, slugged as github-slugger does (the
// library GitHub's renderer follows: lowercase, punctuation and symbols dropped, spaces to '-', a
// repeated slug suffixed -1, -2, ...), and every HTML id or name attribute. Written here rather
// than depending on github-slugger for one regular expression; the heading's text is read from the
// Markdown source, so inline markup is stripped the way it renders (code, links, emphasis, tags).
import { outsideCodeBlocks } from './code-blocks.ts';

/** github-slugger's slug of a heading's text. */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replaceAll(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replaceAll(' ', '-');
}

/** A heading's source as the text it renders: no code ticks, link targets, emphasis marks or tags. */
export function headingText(source: string): string {
  return source
    .replaceAll(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replaceAll(/!?\[([^\]]*)\]\[[^\]]*\]/g, '$1')
    .replaceAll(/`+([^`]*?)`+/g, '$1')
    .replaceAll(/<[^>]+>/g, '')
    .replaceAll(/(^|[^\w*])(\*{1,3}|_{1,3})(?=\S)(.+?)(?<=\S)\2(?![\w*])/g, '$1$3')
    .replaceAll(/\\([!-/:-@[-`{-~])/g, '$1')
    .trim();
}

const ATX = /^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT_UNDERLINE = /^ {0,3}(?:=+|-+)[ \t]*$/;
/** A line that cannot be the text of a setext heading: a list item, quote, table row, fence, heading, tag. */
const NOT_PARAGRAPH = /^\s*(?:[-*+]\s|\d+[.)]\s|>|\||#|<|`{3}|~{3})/;

/** Every anchor a link may name in `markdown` (without the '#'). */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  // github-slugger's bookkeeping: how often each slug was taken, headings only.
  const occurrences = new Map<string, number>();
  const add = (text: string) => {
    const original = slug(headingText(text));
    let anchor = original;
    while (occurrences.has(anchor)) {
      const n = occurrences.get(original)! + 1;
      occurrences.set(original, n);
      anchor = `${original}-${n}`;
    }
    occurrences.set(anchor, 0);
    anchors.add(anchor);
  };
  const lines = outsideCodeBlocks(markdown);
  lines.forEach((line, i) => {
    for (const [, id] of line.matchAll(/<[a-z][^>]*?\s(?:id|name)="([^"]+)"/gi)) anchors.add(id!);
    const atx = ATX.exec(line);
    if (atx) return add(atx[1] ?? '');
    const previous = lines[i - 1];
    const before = lines[i - 2];
    // One-line paragraphs only: the line before the text ends whatever came before.
    const paragraphStart = before === undefined || before.trim() === '' || ATX.test(before);
    if (SETEXT_UNDERLINE.test(line) && previous?.trim() && !NOT_PARAGRAPH.test(previous) && paragraphStart) {
      add(previous);
    }
  });
  return anchors;
}
