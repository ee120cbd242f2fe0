// Fenced code blocks of a Markdown page (CommonMark: ``` or ~~~, closed by a fence of the same
// character at least as long). What is inside one is text: no heading, link or marker.

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/** The lines of `markdown`, those inside a fenced code block (fences included) as ''. */
export function outsideCodeBlocks(markdown: string): string[] {
  let fence: string | undefined;
  return markdown.split('\n').map((line) => {
    const f = FENCE.exec(line)?.[1];
    if (fence !== undefined) {
      if (f !== undefined && f[0] === fence[0] && f.length >= fence.length && line.trim() === f) fence = undefined;
      return '';
    }
    if (f !== undefined) {
      fence = f;
      return '';
    }
    return line;
  });
}
