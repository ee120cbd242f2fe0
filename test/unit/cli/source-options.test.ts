// The flags of `review --cluster` and `review --audit-log`.
import t from 'tap';
import type { CliError } from '../../../src/cli/cli-error.ts';
import { parseCommandLine } from '../../../src/cli/options.ts';

const options = (argv: string[]) => {
  const parsed = parseCommandLine(argv);
  if (parsed.command !== 'review') throw new Error(`not a review: ${parsed.command}`);
  return parsed.options;
};
const usageError = (argv: string[], message: RegExp) => {
  const err = t.throws(() => parseCommandLine(argv)) as CliError;
  t.equal(err.code, 'CLI_USAGE');
  t.match(err.message, message);
};

t.test('--cluster: -n, -A, --kubeconfig, --config; no files needed', async (t) => {
  t.match(options(['review', '--cluster']), { cluster: { allNamespaces: false }, files: [] });
  t.equal(options(['review', '--cluster']).cluster?.namespace, undefined, "the context's namespace, resolved later");
  t.match(options(['review', '--cluster', '-A', '--kubeconfig', 'k', '--config', 'c.yaml', '-o', 'json']), {
    cluster: { allNamespaces: true, kubeconfig: 'k' },
    config: 'c.yaml',
    output: 'json',
  });
  t.match(options(['review', '--cluster', '-n', 'team']), { cluster: { allNamespaces: false, namespace: 'team' } });
});

t.test('--audit-log: repeatable, -n filters, --namespace-annotations apply', async (t) => {
  t.match(options(['review', '--audit-log', 'a.log', '--audit-log', 'b.log', '-n', 'team']), {
    auditLog: { files: ['a.log', 'b.log'], namespace: 'team' },
  });
  t.match(options(['review', '--audit-log', 'a.log', '--namespace-annotations', 'max-replicas=20']), {
    namespaceAnnotations: { 'shipshape.dev/max-replicas': '20' },
  });
});

t.test('combinations that make no sense are usage errors', async () => {
  usageError(['review', '--cluster', '--audit-log', 'a'], /--cluster and --audit-log: give one/);
  usageError(['review', '--cluster', '-f', 'x.yaml'], /--filename does not go with --cluster/);
  usageError(['review', '--cluster', '--server', 'https://x'], /--server does not go with --cluster/);
  usageError(['review', '--cluster', '-n', 'a', '-A'], /-n and -A: give one/);
  usageError(['review', '--cluster', '--namespace-annotations', 'max-replicas=2'], /the Namespaces are read/);
  usageError(['review', '--audit-log', 'a', '--kubeconfig', 'k'], /--kubeconfig needs --cluster/);
  usageError(['review', '-f', 'x.yaml', '-A'], /--all-namespaces needs --cluster or --audit-log/);
  usageError(['review', '--cluster', '-o', 'table'], /-o table: expected one of/);
});

t.test('--namespace-annotations takes the enforcement mode too, so a review shows what warn prints', async (t) => {
  t.match(options(['review', '-f', 'x.yaml', '--namespace-annotations', 'enforcement=warn,max-replicas=3']), {
    namespaceAnnotations: { 'shipshape.dev/enforcement': 'warn', 'shipshape.dev/max-replicas': '3' },
  });
});
