// The relative links of Markdown pages, and which of them lead nowhere. A link is relative when it
// names no scheme (https:, mailto:) and no host (//host): `docs/api.md`, `../SECURITY.md#reporting`,
// `#metrics`, `/deploy/` (from the repository root, as GitHub reads it). Each must name a file or
// folder inside the repository; an #anchor into a Markdown page must be one of its headings' slugs
// (heading-slugs.ts) or HTML ids. Anchors into other files (GitHub's #L10 line anchors) are not
// checked. Links are read outside code blocks and code spans: inline links and images, reference
// definitions, and href/src attributes of HTML.
import { readFile, stat } from 'node:fs/promises';
import { dirname, posix, relative, resolve, sep } from 'node:path';
import { outsideCodeBlocks } from './code-blocks.ts';
import { anchorsOf } from './heading-slugs.ts';

export type Link = { line: number; target: string };
export type BrokenLink = Link & { file: string; reason: string };

/** `](target)`: the destination, up to its closing parenthesis (nested pairs allowed) or a title. */
function inlineTargets(line: string): string[] {
  const targets: string[] = [];
  for (const match of line.matchAll(/\]\(/g)) {
    let depth = 1;
    let i = match.index + 2;
    for (; i < line.length && depth > 0; i++) {
      if (line[i] === '\\') i++;
      else if (line[i] === '(') depth++;
      else if (line[i] === ')') depth--;
    }
    const inside = line.slice(match.index + 2, i - 1).trim();
    const target = inside.startsWith('<') ? inside.slice(1, inside.indexOf('>')) : inside.split(/\s+/)[0];
    if (target) targets.push(target);
  }
  return targets;
}

/** Every link of `markdown` with its 1-based line, in order. */
export function linksIn(markdown: string): Link[] {
  const links: Link[] = [];
  outsideCodeBlocks(markdown).forEach((raw, i) => {
    // Code spans hold text, not links; blanked so the columns stay where they were.
    const line = raw.replaceAll(/(`+)[^`](?:.*?[^`])?\1(?!`)/g, (m) => ' '.repeat(m.length));
    // A reference definition; `[^1]: ...` is a footnote, not one.
    const definition = /^ {0,3}\[(?!\^)[^\]]+\]:\s*(?:<([^>]*)>|(\S+))/.exec(line);
    const targets = [
      ...(definition ? [definition[1] ?? definition[2]!] : []),
      ...inlineTargets(line),
      ...[...line.matchAll(/<[a-z][^>]*?\s(?:href|src)="([^"]*)"/gi)].map((m) => m[1]!),
    ];
    for (const target of targets) links.push({ line: i + 1, target });
  });
  return links;
}

export const isRelative = (target: string) => !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('//');

/**
 * The broken relative links of `files` (paths relative to `root`), each with its file, line and
 * why: no such file, outside the repository, or no such anchor.
 */
export async function brokenLinks(root: string, files: readonly string[]): Promise<BrokenLink[]> {
  const texts = new Map<string, Promise<string | undefined>>();
  const read = (path: string) => {
    if (!texts.has(path))
      texts.set(
        path,
        readFile(path, 'utf8').catch(() => undefined),
      );
    return texts.get(path)!;
  };
  const anchors = new Map<string, Set<string>>();
  const broken: BrokenLink[] = [];
  for (const file of files) {
    const source = resolve(root, file);
    const text = await read(source);
    if (text === undefined) throw new Error(`${file}: cannot be read`);
    for (const link of linksIn(text)) {
      if (!isRelative(link.target)) continue;
      const report = (reason: string) => broken.push({ file, ...link, reason });
      const hash = link.target.indexOf('#');
      const pathPart = hash === -1 ? link.target : link.target.slice(0, hash);
      let path: string;
      let anchor: string | undefined;
      try {
        path = decodeURIComponent(pathPart.replace(/\?.*$/, ''));
        anchor = hash === -1 ? undefined : decodeURIComponent(link.target.slice(hash + 1));
      } catch {
        report('not a valid URL');
        continue;
      }
      const target =
        path === '' ? source : path.startsWith('/') ? resolve(root, `.${path}`) : resolve(dirname(source), path);
      const inside = relative(root, target);
      if (inside.startsWith(`..${sep}`) || inside === '..') {
        report('outside the repository');
        continue;
      }
      const found = await stat(target).catch(() => undefined);
      if (!found) {
        report(`no such file or folder ${posix.normalize(inside.replaceAll(sep, '/'))}`);
        continue;
      }
      if (!anchor || !found.isFile() || !target.endsWith('.md') || /^L\d+(?:-L\d+)?$/.test(anchor)) continue;
      if (!anchors.has(target)) anchors.set(target, anchorsOf((await read(target)) ?? ''));
      if (!anchors.get(target)!.has(anchor)) {
        report(`no heading or id "${anchor}" in ${relative(root, target).replaceAll(sep, '/')}`);
      }
    }
  }
  return broken;
}
