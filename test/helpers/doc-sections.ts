// Running a document's shell sections as written: each block's commands in order in one bash
// session, each checked against an expectation (its exit status, and what the document says it
// prints), with a transcript of the block when something differs.
import type { Test } from 'tap';
import type { BashSession, SessionResult } from './bash-session.ts';
import { commentPattern } from './doc-output.ts';
import type { DocBlock, DocCommand } from './markdown-commands.ts';

/** A command's bound: its own --timeout (kubectl wait) plus slack, else this. */
const COMMAND_TIMEOUT_MS = 120_000;

/** What the run has learned, for the checks that compare one output with another. */
export type Run = {
  /** Replica name to pid, as the dev loop printed them. */
  replicas: Map<string, number>;
  /** The pids the last `kill` was given. */
  killed: number[];
  memo: Map<string, string>;
};

export type Expect = {
  status: number;
  /**
   * What the document's comment on the command is: `line`, a line of its output; `part`, a part
   * of one (see commentPattern); `words`, a description, read by `check` where a check can read
   * it. Absent: the document comments no output.
   */
  comment?: 'line' | 'part' | 'words';
  /** Returns what is wrong with the output, if anything. */
  check?: (output: string, context: { run: Run; command: DocCommand; block: DocBlock }) => string | undefined;
};

/** A section of a document: one entry per ```sh block, the first of the tour the dev loop's. */
export type Section = { file: string; heading: string; blocks: (Expect[] | 'the dev loop')[] };

/** How the section's blocks and commands differ from `section.blocks` in number and comments. */
export function mismatches(section: Section, blocks: DocBlock[]): string[] {
  const where = (line: number) => `${section.file}:${line}`;
  const problems: string[] = [];
  if (blocks.length !== section.blocks.length)
    problems.push(`${section.file} "${section.heading}": ${blocks.length} blocks, ${section.blocks.length} expected`);
  for (const [i, block] of blocks.entries()) {
    const expected = section.blocks[i] ?? [];
    if (expected === 'the dev loop') {
      if (block.commands.length !== 1 || !/^npm run dev\b/.test(block.commands[0]!.text))
        problems.push(`${where(block.line)}: not one command, npm run dev`);
      continue;
    }
    if (block.commands.length !== expected.length)
      problems.push(`${where(block.line)}: ${block.commands.length} commands, ${expected.length} expected`);
    for (const [j, command] of block.commands.entries())
      if ((command.comment !== '') !== (expected[j]?.comment !== undefined))
        problems.push(
          `${where(command.line)}: ${command.comment ? 'a comment not expected' : 'no comment, one expected'}`,
        );
  }
  return problems;
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const transcript = (command: DocCommand, result: SessionResult) =>
  `$ ${command.text}\n${result.output.trimEnd()}\n` +
  `[exit ${result.status ?? '-'}${result.timedOut ? ', timed out' : ''}, ${seconds(result.ms)}]`;

/**
 * Before a `kill`, what its arguments expand to in the session; each number must be a pid the dev
 * loop printed. Returns what is wrong, or undefined and the pids in `run.killed`.
 */
async function checkKill(session: BashSession, command: DocCommand, run: Run): Promise<string | undefined> {
  const expanded = await session.run(`printf '%s\\0' ${command.text.replace(/^\s*kill\b/, '')}`, 10_000);
  const args = expanded.output.split('\0').slice(0, -1);
  const pids = args.filter((a) => !a.startsWith('-')).map(Number);
  const ours = new Set(run.replicas.values());
  if (expanded.status !== 0 || pids.length === 0 || !pids.every((p) => ours.has(p)))
    return `it would signal ${JSON.stringify(args)}, not only pids npm run dev printed (${[...ours].join(', ')})`;
  run.killed = pids;
  return undefined;
}

/**
 * Runs a block's commands in `session` and asserts each against `expected`; resolves false when
 * the run should stop there (an exit status differed, a command timed out, a `kill` was refused).
 */
export async function runBlock(
  t: Test,
  session: BashSession,
  file: string,
  block: DocBlock,
  expected: Expect[],
  run: Run,
) {
  const lines: string[] = [];
  let failed = false;
  let goOn = true;
  const started = Date.now();
  for (const [j, command] of block.commands.entries()) {
    const expect = expected[j]!;
    const where = `${file}:${command.line} \`${command.text}\``;
    if (/^\s*kill\b/.test(command.text)) {
      const refused = await checkKill(session, command, run);
      if (!t.notOk(refused, `${where} signals only the dev loop's replicas`, { refused })) {
        lines.push(`$ ${command.text}\n[not run: ${refused}]`);
        failed = true;
        goOn = false;
        break;
      }
    }
    const ownTimeout = /--timeout=(\d+)s\b/.exec(command.text);
    const result = await session.run(
      command.text,
      ownTimeout ? Number(ownTimeout[1]) * 1000 + 30_000 : COMMAND_TIMEOUT_MS,
    );
    lines.push(transcript(command, result));
    const statusOk = t.equal(result.status, expect.status, `${where} exits ${expect.status}`);
    if (expect.comment === 'line' || expect.comment === 'part') {
      const shows = commentPattern(command.comment, expect.comment);
      failed = !t.match(result.output, shows, `${where} prints ${command.comment}`) || failed;
    }
    if (expect.check) {
      const wrong = expect.check(result.output, { run, command, block });
      failed = !t.notOk(wrong, `${where} prints what ${file} says`, { wrong }) || failed;
    }
    if (!statusOk) {
      // What follows may wait for what did not happen (a `kubectl wait`): the run stops here.
      failed = true;
      goOn = false;
      break;
    }
  }
  t.comment(`${file}:${block.line}: ${seconds(Date.now() - started)}`);
  if (failed) t.comment(lines.join('\n\n'));
  return goOn;
}
