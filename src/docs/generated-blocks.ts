// Generated blocks in Markdown pages: the text between a pair of marker comments, each on its own
// line, is rendered from the code that is its source and written by `npm run render`:
//
//   <!-- generated: NAME by npm run render -->
//   ...
//   <!-- end generated: NAME -->
//
// The prose around a block is the writer's; the block is the renderer's, so a hand edit inside it
// is stale as surely as a changed source. A page may hold any blocks, each once; every block that
// has a renderer is in exactly one page (so moving a block is moving its markers), and a marker
// with no renderer, a malformed or unpaired marker, is an error, never skipped.
import { CodedError } from '../errors/coded-error.ts';
import { outsideCodeBlocks } from './code-blocks.ts';

export type GeneratedBlockErrorCode = 'DOCS_MARKERS';

/** Every problem found, one per line of `message`, each as `file:line: problem`. */
export class GeneratedBlockError extends CodedError<GeneratedBlockErrorCode> {
  static override readonly codeInMessage = false;
}

export const startMarker = (name: string) => `<!-- generated: ${name} by npm run render -->`;
export const endMarker = (name: string) => `<!-- end generated: ${name} -->`;

/** A line that means to be a marker: it is one, or it is malformed. */
const MARKER_LIKE = /^\s*<!--\s*(?:end\s+)?generated\b/;
const START = /^<!-- generated: ([a-z0-9-]+) by npm run render -->$/;
const END = /^<!-- end generated: ([a-z0-9-]+) -->$/;

export type GeneratedBlock = {
  name: string;
  /** 1-based line of the start marker. */
  line: number;
  /** Offsets: the end of the start marker's line and the start of the end marker's line. */
  start: number;
  end: number;
};

/** The blocks of `text` (`file` names it in errors). Throws GeneratedBlockError listing every marker problem. */
export function findBlocks(text: string, file: string): GeneratedBlock[] {
  const blocks: GeneratedBlock[] = [];
  const problems: string[] = [];
  let open: { name: string; line: number; start: number } | undefined;
  // A marker inside a fenced code block is text (a page showing the syntax).
  const lines = outsideCodeBlocks(text);
  let offset = 0;
  for (const [i, raw] of text.split('\n').entries()) {
    const line = lines[i]!.trimEnd();
    const at = `${file}:${i + 1}`;
    const lineStart = offset;
    offset += raw.length + 1;
    if (!MARKER_LIKE.test(line)) continue;
    const start = START.exec(line)?.[1];
    const end = END.exec(line)?.[1];
    if (start === undefined && end === undefined) {
      problems.push(`${at}: malformed marker; write ${JSON.stringify(startMarker('NAME'))} ... ${endMarker('NAME')}`);
    } else if (start !== undefined) {
      if (open) problems.push(`${at}: block "${start}" starts inside block "${open.name}" (line ${open.line})`);
      else if (blocks.some((b) => b.name === start)) {
        const first = blocks.find((b) => b.name === start)!;
        problems.push(`${at}: block "${start}" again (first at line ${first.line}); each block once`);
      } else open = { name: start, line: i + 1, start: lineStart + raw.length };
    } else if (open !== undefined && open.name === end) {
      blocks.push({ ...open, end: lineStart });
      open = undefined;
    } else {
      problems.push(`${at}: end of block "${end}" ${open ? `inside block "${open.name}"` : 'without its start'}`);
    }
  }
  if (open) problems.push(`${file}:${open.line}: block "${open.name}" has no end marker (${endMarker(open.name)})`);
  if (problems.length > 0) throw new GeneratedBlockError('DOCS_MARKERS', problems.join('\n'));
  return blocks;
}

/** What a block holds now, without the blank lines around it. */
export function blockContent(text: string, file: string, name: string): string {
  const block = findBlocks(text, file).find((b) => b.name === name);
  if (!block) throw new GeneratedBlockError('DOCS_MARKERS', `${file}: no block "${name}" (${startMarker(name)})`);
  return text.slice(block.start, block.end).trim();
}

/** `text` with every block replaced by what `render(name)` returns, blank lines around it (as Prettier keeps them). */
export function withBlocks(text: string, file: string, render: (name: string) => string): string {
  let out = '';
  let from = 0;
  for (const block of findBlocks(text, file)) {
    out += `${text.slice(from, block.start)}\n\n${render(block.name)}\n\n`;
    from = block.end;
  }
  return out + text.slice(from);
}

export type Page = { path: string; text: string };

/**
 * Each page as it is with its blocks rendered by `renderers` (by block name). Throws
 * GeneratedBlockError listing every problem: a marker problem, a block no renderer knows, a
 * renderer's block in no page or in two.
 */
export function renderPages(pages: readonly Page[], renderers: Readonly<Record<string, () => string>>): Page[] {
  const problems: string[] = [];
  const found = new Map<string, string[]>();
  let unread = false;
  const rendered = pages.map((page) => {
    try {
      const text = withBlocks(page.text, page.path, (name) => {
        found.set(name, [...(found.get(name) ?? []), page.path]);
        const render = Object.hasOwn(renderers, name) ? renderers[name] : undefined;
        if (render) return render();
        problems.push(`${page.path}: block "${name}" has no renderer (known: ${Object.keys(renderers).join(', ')})`);
        return '';
      });
      return { path: page.path, text };
    } catch (err) {
      if (!(err instanceof GeneratedBlockError)) throw err;
      problems.push(err.message);
      unread = true;
      return page;
    }
  });
  // A page whose markers are wrong was not read for blocks; "in no page" would mislead.
  for (const name of Object.keys(renderers)) {
    const where = found.get(name) ?? [];
    if (unread && where.length === 0) continue;
    if (where.length === 0) problems.push(`block "${name}" is in no page: put ${startMarker(name)} and its end in one`);
    if (where.length > 1) problems.push(`block "${name}" is in ${where.join(' and ')}: keep it in one page`);
  }
  if (problems.length > 0) throw new GeneratedBlockError('DOCS_MARKERS', problems.join('\n'));
  return rendered;
}
