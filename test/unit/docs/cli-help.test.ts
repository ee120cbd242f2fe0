// The CLI's help (the `cli-help` block of docs/cli.md) is what `shipshape --help` and each
// command's --help print, word for word, asked of the CLI's parser; the commands are those the main
// help lists, so a new command shows up without touching the renderer.
import t from 'tap';
import { CRD_HELP, MAIN_HELP, MANIFESTS_HELP, REVIEW_HELP } from '../../../src/cli/help.ts';
import { listedCommands, renderCliHelp } from '../../../src/docs/cli-help.ts';

t.test('one code block per help text: the command, then its output verbatim', async (t) => {
  const blocks = renderCliHelp().split('\n\n```text\n');
  t.equal(blocks.length, 4);
  t.equal(
    renderCliHelp(),
    [
      ['shipshape --help', MAIN_HELP],
      ['shipshape review --help', REVIEW_HELP],
      ['shipshape crd --help', CRD_HELP],
      ['shipshape manifests --help', MANIFESTS_HELP],
    ]
      .map(([command, text]) => `\`\`\`text\n$ ${command}\n${text}\`\`\``)
      .join('\n\n'),
  );
});

t.test('the commands are read from the main help', async (t) => {
  t.strictSame(listedCommands(MAIN_HELP), ['review', 'crd', 'manifests']);
  t.strictSame(listedCommands('Usage\n\nCommands:\n  apply   Apply\n  get-all  Get\n\nMore'), ['apply', 'get-all']);
  t.throws(() => listedCommands('Usage: shipshape\n'), /no "Commands:" section/);
  t.throws(() => listedCommands('Commands:\n\n'), /lists no command/);
});
