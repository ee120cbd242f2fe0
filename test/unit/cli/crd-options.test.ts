// `shipshape crd --kind`: which CustomResourceDefinition is printed (issue #36); WebApp's by
// default, as the command always printed.
import t from 'tap';
import type { CliError } from '../../../src/cli/cli-error.ts';
import { CRD_HELP } from '../../../src/cli/help.ts';
import { parseCommandLine } from '../../../src/cli/options.ts';

t.test('--kind chooses the CRD, in any case; none is WebApp', async (t) => {
  t.strictSame(parseCommandLine(['crd']), { command: 'crd', kind: 'webapp' });
  t.strictSame(parseCommandLine(['crd', '--kind', 'mysqlcluster']), { command: 'crd', kind: 'mysqlcluster' });
  t.strictSame(parseCommandLine(['crd', '--kind=MySQLCluster']), { command: 'crd', kind: 'mysqlcluster' });
  t.strictSame(parseCommandLine(['crd', '--kind', 'WebApp']), { command: 'crd', kind: 'webapp' });
  t.strictSame(parseCommandLine(['crd', '--kind', 'all']), { command: 'crd', kind: 'all' });
  t.strictSame(parseCommandLine(['crd', '--kind', 'all', '-h']), { command: 'help', text: CRD_HELP });
});

t.test('an unknown kind, or none given to --kind, is a usage error', async (t) => {
  for (const [argv, message] of [
    [
      ['crd', '--kind', 'mysql'],
      /^--kind mysql: expected one of webapp, mysqlcluster, all\nRun "shipshape crd --help"/,
    ],
    [['crd', '--kind'], /argument missing/],
  ] as const) {
    const err = t.throws(() => parseCommandLine([...argv])) as CliError;
    t.equal(err.code, 'CLI_USAGE');
    t.match(err.message, message);
  }
});

t.test('the help names every kind and shows printing both', async (t) => {
  t.match(CRD_HELP, /^Usage: shipshape crd \[--kind webapp\|mysqlcluster\|all\]\n/);
  t.match(CRD_HELP, 'shipshape crd --kind all | kubectl apply -f -');
});
