// Prints every failing assertion of the last tap run, last, so that the tail of a long run's
// output (all a CI log may keep) names them: the file, the subtests around it, the assertion and
// its diagnostics, and the file's own comments that say how to reproduce it (a fuzz test's seed).
// Reads the results tap keeps per test file in .tap/test-results (the files of the last run of each
// test file); changes nothing. Argument: tap's exit status. Exit code 0: the test command keeps
// tap's own.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = '.tap/test-results';
const reproduce = /\bseed\b|reproduce/i;

function files(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return files(path);
    return entry.name.endsWith('.tap') ? [path] : [];
  });
}

/** The failures of one file's TAP stream, each with the subtests it sits in and its YAML block. */
function failures(text: string): string[] {
  const lines = text.split('\n');
  const found: string[] = [];
  const stack: string[] = [];
  for (const [i, line] of lines.entries()) {
    const depth = (line.length - line.trimStart().length) / 4;
    const subtest = /^\s*# Subtest: (.*)$/.exec(line);
    if (subtest) {
      stack.length = depth;
      stack[depth] = subtest[1] ?? '';
      continue;
    }
    if (!/^\s*not ok \d+/.test(line)) continue;
    // A subtest's own line follows its plan and repeats its children's failures: report the
    // assertions only (and a subtest that ended without a plan, which failed by itself).
    if (!lines[i - 1]?.trim().startsWith('1..')) {
      const block = [line.trim()];
      if (lines[i + 1]?.trim() === '---') {
        for (const yaml of lines.slice(i + 1, i + 40)) {
          block.push(yaml.slice(depth * 4));
          if (yaml.trim() === '...') break;
        }
      }
      const where = stack.slice(0, depth).join(' > ');
      found.push(`${where}\n${block.map((l) => `  ${l}`).join('\n')}`);
    }
  }
  return found;
}

/** A stream without its closing plan: the file was killed (its timeout) or crashed. */
function unfinished(text: string): string[] {
  const lines = text.trimEnd().split('\n');
  if (lines.some((line) => /^1\.\.\d+/.test(line))) return [];
  return [`ended without its plan (a timeout or a crash); its last lines:\n${lines.slice(-12).join('\n')}`];
}

const all = files(root).flatMap((file) => {
  const text = readFileSync(file, 'utf8');
  const failed = [...failures(text), ...unfinished(text)];
  if (failed.length === 0) return [];
  const notes = text
    .split('\n')
    .filter((line) => line.trimStart().startsWith('#') && reproduce.test(line))
    .map((line) => `  note: ${line.trim()}`);
  const name = relative(root, file).replace(/\.tap$/, '');
  return [`${name}\n${[...failed.map((f) => `  ${f.replaceAll('\n', '\n  ')}`), ...notes].join('\n')}`];
});

const tapStatus = Number(process.argv[2] ?? 0);
if (all.length === 0 && tapStatus !== 0) {
  console.log(
    `# tap exited ${tapStatus} with no failing assertion in ${root}: a file exited non-zero; its line above says which`,
  );
} else if (all.length === 0) {
  console.log('# failing tests: none');
} else {
  console.log(`# failing tests (${all.length} files):\n${all.join('\n')}`);
}
