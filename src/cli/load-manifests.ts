// Manifests from files, folders and stdin, read as `kubectl apply -f` reads them: multi-document
// YAML or JSON (YAML 1.2 is a superset of JSON), with `kind: List` expanded into its items. Every
// document keeps its file and line, every syntax error its file, line and column. Empty documents
// (a trailing `---`, a file of comments) hold no object and are dropped, as kubectl drops them.
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { type Document, LineCounter, isMap, isSeq, parseAllDocuments } from 'yaml';
import { type JsonObject, isObject } from '../json/json.ts';

export type ManifestDocument = {
  /** The path as given, or "stdin". */
  source: string;
  /** 1-based line where the object starts. */
  line: number;
  object: JsonObject;
};

export type ManifestError = {
  source: string;
  line?: number;
  col?: number;
  message: string;
  /** The offending lines with a caret, as the YAML parser prints them. */
  excerpt?: string;
};

export type Manifests = { documents: ManifestDocument[]; errors: ManifestError[] };

/** `-f -` reads stdin. */
export const STDIN = '-';
export const MANIFEST_EXTENSIONS: readonly string[] = ['.yaml', '.yml', '.json'];

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  return value === null ? 'null' : `a ${typeof value}`;
}

/** "Map keys must be unique at line 2, column 1:\n\n<excerpt>" → message and excerpt. */
function splitYamlMessage(text: string): { message: string; excerpt?: string } {
  const match = /^(.*?) at line \d+, column \d+:\n\n(.*?)\n*$/s.exec(text);
  return match ? { message: match[1]!, excerpt: match[2]! } : { message: text };
}

function isList(object: JsonObject): boolean {
  return typeof object.kind === 'string' && object.kind.endsWith('List') && Array.isArray(object.items);
}

/** Parses one file's text; `source` names it in documents and errors. Never throws. */
export function parseManifests(text: string, source: string): Manifests {
  const lineCounter = new LineCounter();
  const lineOf = (offset: number | undefined) => lineCounter.linePos(offset ?? 0);
  const result: Manifests = { documents: [], errors: [] };
  const fail = (offset: number | undefined, message: string) =>
    result.errors.push({ source, ...lineOf(offset), message });

  for (const doc of parseAllDocuments(text, { lineCounter }) as Iterable<Document>) {
    if (doc.errors.length) {
      for (const error of doc.errors) {
        const [pos] = error.linePos ?? [lineOf(error.pos[0])];
        result.errors.push({ source, line: pos.line, col: pos.col, ...splitYamlMessage(error.message) });
      }
      continue;
    }
    const start = doc.contents?.range?.[0] ?? doc.range?.[0];
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      fail(start, err instanceof Error ? err.message : String(err));
      continue;
    }
    if (value === null || value === undefined) continue;
    if (!isObject(value)) {
      fail(start, `expected a Kubernetes object (a mapping with apiVersion and kind), got ${describe(value)}`);
      continue;
    }
    if (!isList(value)) {
      result.documents.push({ source, line: lineOf(start).line, object: value });
      continue;
    }
    const itemsNode = isMap(doc.contents) ? doc.contents.get('items', true) : undefined;
    (value.items as unknown[]).forEach((item, i) => {
      const node = isSeq(itemsNode) ? (itemsNode.items[i] as { range?: [number, number, number] }) : undefined;
      const offset = node?.range?.[0] ?? start;
      if (isObject(item)) result.documents.push({ source, line: lineOf(offset).line, object: item });
      else fail(offset, `items[${i}]: expected a Kubernetes object, got ${describe(item)}`);
    });
  }
  return result;
}

async function listFolder(folder: string, recursive: boolean): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(folder, entry.name);
    if (entry.isDirectory() && recursive) files.push(...(await listFolder(path, recursive)));
    else if (entry.isFile() && MANIFEST_EXTENSIONS.includes(extname(entry.name).toLowerCase())) files.push(path);
  }
  return files;
}

export type ReadOptions = {
  /** Descend into sub-folders (kubectl's -R). */
  recursive: boolean;
  /** Reads all of stdin; called at most once, for `-`. */
  readStdin(): Promise<string>;
};

/**
 * Reads and parses every path in order: `-` is stdin, a folder gives its .yaml, .yml and .json
 * files in name order. A path that cannot be read, or a folder without manifests, is an error.
 */
export async function loadManifests(paths: readonly string[], options: ReadOptions): Promise<Manifests> {
  const result: Manifests = { documents: [], errors: [] };
  const add = (parsed: Manifests) => {
    result.documents.push(...parsed.documents);
    result.errors.push(...parsed.errors);
  };
  let stdin: Promise<string> | undefined;
  for (const path of paths) {
    if (path === STDIN) {
      stdin ??= options.readStdin();
      add(parseManifests(await stdin, 'stdin'));
      continue;
    }
    try {
      if (!(await stat(path)).isDirectory()) {
        add(parseManifests(await readFile(path, 'utf8'), path));
        continue;
      }
      const files = await listFolder(path, options.recursive);
      if (!files.length) {
        // As kubectl, sub-folders are read only with -R; say so when they are all there is.
        const nested = !options.recursive && (await listFolder(path, true)).length > 0;
        const hint = nested ? '; its sub-folders have some: add -R to include them' : '';
        result.errors.push({ source: path, message: `no .yaml, .yml or .json files in this folder${hint}` });
      }
      for (const file of files) add(parseManifests(await readFile(file, 'utf8'), file));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const message = code === 'ENOENT' ? 'no such file or folder' : `cannot be read (${code ?? String(err)})`;
      result.errors.push({ source: path, message });
    }
  }
  return result;
}
