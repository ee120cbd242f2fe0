// The CLI's help (the `cli-help` generated block, in docs/cli.md): what `shipshape --help` and each
// command's --help print, asked of the CLI's own parser (src/cli/options.ts, texts in
// src/cli/help.ts), one code block per command. The commands are those `shipshape --help` lists.
import { parseCommandLine } from '../cli/options.ts';
import { codeBlock } from './markdown-table.ts';

/** What `shipshape ARGV` prints as help; throws when ARGV does not ask for help. */
function helpText(argv: readonly string[]): string {
  const parsed = parseCommandLine(argv);
  if (parsed.command !== 'help') throw new Error(`"shipshape ${argv.join(' ')}" prints no help`);
  return parsed.text;
}

/** The commands under "Commands:" of the main help: `  review   Default and validate ...`. */
export function listedCommands(mainHelp: string): string[] {
  const lines = mainHelp.split('\n');
  const from = lines.indexOf('Commands:');
  if (from === -1) throw new Error('`shipshape --help` has no "Commands:" section');
  const commands: string[] = [];
  for (const line of lines.slice(from + 1)) {
    const command = /^ {2}([a-z][a-z-]*) {2,}\S/.exec(line)?.[1];
    if (command === undefined) break;
    commands.push(command);
  }
  if (commands.length === 0) throw new Error('`shipshape --help` lists no command under "Commands:"');
  return commands;
}

/** `$ shipshape --help` and its output, then the same for each command. */
export function renderCliHelp(): string {
  const main = helpText(['--help']);
  const pages: [string, string][] = [
    ['shipshape --help', main],
    ...listedCommands(main).map((c): [string, string] => [`shipshape ${c} --help`, helpText([c, '--help'])]),
  ];
  return pages.map(([command, text]) => codeBlock(`$ ${command}\n${text}`)).join('\n\n');
}
