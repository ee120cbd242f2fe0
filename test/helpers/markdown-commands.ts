// The shell commands of a Markdown section, as a reader copies them: the ```sh blocks between the
// section's heading and the next heading of the same or a higher level, each command with the
// comment that says what it prints.

export type DocCommand = {
  /** The command as written (when it spans lines, all of them), without its comment. */
  text: string;
  /**
   * What the document says of it: its trailing `# comment` and the comment lines after it (its
   * output, as shown), joined with spaces; '' when there is none.
   */
  comment: string;
  /** Its line in the document, from 1. */
  line: number;
};

export type DocBlock = {
  line: number;
  commands: DocCommand[];
  /** A ```text block right after it (blank lines between at most): its output, as shown. */
  shown?: string;
};

/** `line` without a trailing shell comment, and that comment: a `#` after a blank, outside quotes. */
export function splitComment(line: string): { code: string; comment: string } {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"') i++;
    } else if (c === '\\') i++;
    else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!)))
      return { code: line.slice(0, i).trimEnd(), comment: line.slice(i + 1).trim() };
  }
  return { code: line.trimEnd(), comment: '' };
}

/** Whether `text` is a whole command; by default, when its last line does not end in `\`. */
export type IsComplete = (text: string) => boolean;

/**
 * The ```sh blocks of the section headed `heading` (its text after the #s): a command is a line,
 * and the lines after it while it is not complete (a `for` loop, a pipe at the end of a line).
 * Throws when there is no such section, or when a comment comes before any command of its block.
 */
export function sectionBlocks(
  markdown: string,
  heading: string,
  isComplete: IsComplete = (text) => !text.endsWith('\\'),
): DocBlock[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => /^#+ /.test(l) && l.replace(/^#+ /, '') === heading);
  if (start < 0) throw new Error(`no section "${heading}"`);
  const level = lines[start]!.indexOf(' ');
  const blocks: DocBlock[] = [];
  let block: DocBlock | undefined;
  let fence = false;
  /** The block a ```text fence here would show the output of; the one it shows, and its lines. */
  let previous: DocBlock | undefined;
  let showing: { block: DocBlock; lines: string[] } | undefined;
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (!fence && /^#+ /.test(line) && line.indexOf(' ') <= level) break;
    if (/^```/.test(line)) {
      fence = !fence;
      if (showing) showing.block.shown = showing.lines.join('\n');
      showing = fence && previous && /^```text\s*$/.test(line) ? { block: previous, lines: [] } : undefined;
      previous = fence ? undefined : block;
      if (fence && /^```(sh|bash|shell)\s*$/.test(line)) blocks.push((block = { line: i + 1, commands: [] }));
      else block = undefined;
      continue;
    }
    if (showing) showing.lines.push(line);
    if (!fence && line.trim() !== '') previous = undefined;
    if (!block || line.trim() === '') continue;
    const { code, comment } = splitComment(line);
    const last = block.commands.at(-1);
    if (code === '') {
      if (!last) throw new Error(`line ${i + 1}: a comment before any command of its block`);
      last.comment = [last.comment, comment].filter(Boolean).join(' ');
    } else if (last && !isComplete(last.text)) {
      last.text += `\n${code}`;
      last.comment = [last.comment, comment].filter(Boolean).join(' ');
    } else block.commands.push({ text: code, comment, line: i + 1 });
  }
  return blocks;
}
