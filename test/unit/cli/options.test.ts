import t from 'tap';
import { CliError } from '../../../src/cli/cli-error.ts';
import { CRD_HELP, MAIN_HELP, MANIFESTS_HELP, REVIEW_HELP } from '../../../src/cli/help.ts';
import { parseCommandLine, parseNamespaceAnnotations } from '../../../src/cli/options.ts';

const usageError = (message: RegExp) => ({ name: 'CliError', code: 'CLI_USAGE', message });

t.test('review: flags with their defaults', async (t) => {
  t.strictSame(parseCommandLine(['review', '-f', 'a.yaml', '-f', '-']), {
    command: 'review',
    options: { files: ['a.yaml', '-'], old: [], recursive: false, namespace: 'default', output: 'diff' },
  });
  t.strictSame(
    parseCommandLine([
      'review',
      '--filename=k8s',
      '-R',
      '--old',
      'live.yaml',
      '-n',
      'prod',
      '-o',
      'json',
      '--config',
      's.yaml',
      '--namespace-annotations',
      'max-replicas=20',
    ]),
    {
      command: 'review',
      options: {
        files: ['k8s'],
        old: ['live.yaml'],
        recursive: true,
        namespace: 'prod',
        output: 'json',
        config: 's.yaml',
        namespaceAnnotations: { 'shipshape.dev/max-replicas': '20' },
      },
    },
  );
  t.match(parseCommandLine(['review', '-f', 'a', '--server', 'https://127.0.0.1:9443', '--ca', 'ca.crt']), {
    options: { server: { url: 'https://127.0.0.1:9443', ca: 'ca.crt' } },
  });
  t.match(parseCommandLine(['review', '-f', 'a', '--server', 'https://127.0.0.1', '--tls-server-name', 'svc']), {
    options: { server: { url: 'https://127.0.0.1', tlsServerName: 'svc' } },
  });
});

t.test('usage errors name the problem and point at --help', async (t) => {
  const cases: [string[], RegExp][] = [
    [[], /no command given\nRun "shipshape --help"/],
    [['deploy'], /unknown command "deploy"/],
    [['review'], /no manifests: give -f FILE, -f DIR or -f - \(stdin\)\nRun "shipshape review --help"/],
    [['review', '-f', 'a', '--bogus'], /^unknown flag "--bogus"\nRun "shipshape review --help"/],
    [['review', '--frobnicate=3'], /^unknown flag "--frobnicate"\n/],
    [['review', '-f'], /argument missing/],
    [['review', '-f', 'a', 'b.yaml'], /unexpected argument "b.yaml"; name files with -f/],
    [['review', '-f', 'a', '-o', 'table'], /-o table: expected one of diff, patch, yaml, json/],
    [['review', '-f', 'a', '--ca', 'ca.crt'], /--ca needs --server/],
    [['review', '-f', 'a', '--tls-server-name', 'svc'], /--tls-server-name needs --server/],
    [['review', '-f', 'a', '--server', 'not a url'], /not a URL/],
    [['review', '-f', 'a', '--server', 'http://x:9443'], /HTTPS only/],
    [['review', '-f', 'a', '--server', 'https://x', '--config', 'c'], /--config applies offline only/],
    [['review', '-f', 'a', '--namespace-annotations', 'max-replica=3'], /"max-replica" overrides no limit; known: /],
    [['review', '-f', 'a', '--namespace-annotations', '20'], /expected key=value/],
    [['crd', 'extra'], /unexpected argument "extra"\nRun "shipshape crd --help"/],
    [['manifests', '--all'], /^unknown flag "--all"\n/],
  ];
  for (const [argv, message] of cases) {
    t.throws(() => parseCommandLine(argv), usageError(message), argv.join(' ') || '(nothing)');
  }
  t.ok(new CliError('CLI_USAGE', 'x') instanceof Error);
});

t.test('--help on every command, each with examples', async (t) => {
  t.strictSame(parseCommandLine(['--help']), { command: 'help', text: MAIN_HELP });
  t.strictSame(parseCommandLine(['help', 'review']), { command: 'help', text: REVIEW_HELP });
  t.strictSame(parseCommandLine(['review', '-h']), { command: 'help', text: REVIEW_HELP });
  t.strictSame(parseCommandLine(['crd', '--help']), { command: 'help', text: CRD_HELP });
  t.strictSame(parseCommandLine(['manifests', '--help']), { command: 'help', text: MANIFESTS_HELP });
  for (const text of [MAIN_HELP, REVIEW_HELP, CRD_HELP, MANIFESTS_HELP]) t.match(text, /\nExamples:\n {2}\S/);
});

t.test('--namespace-annotations: comma-separated ports continue a value; the prefix is optional', async (t) => {
  t.strictSame(parseNamespaceAnnotations(['max-replicas=20,shipshape.dev/denied-ports=9090,9443', 'min-port=80']), {
    'shipshape.dev/max-replicas': '20',
    'shipshape.dev/denied-ports': '9090,9443',
    'shipshape.dev/min-port': '80',
  });
  t.strictSame(parseNamespaceAnnotations(['max-port=lots']), { 'shipshape.dev/max-port': 'lots' }, 'judged later');
});
