// The MySQLCluster settings (issue #36): parsed from flags and environment like every setting,
// refused with the variable and flag named, and turned into PolicyConfig.mysql.
import t from 'tap';
import { ConfigError, parseConfig, toPolicyConfig } from '../../../src/config/config.ts';

const policyOf = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  const parsed = parseConfig(argv, env);
  if (parsed.help) throw new Error('unexpected help');
  return toPolicyConfig(parsed.config).mysql;
};

t.test('flags and environment set the defaults and the limits', async (t) => {
  const mysql = policyOf(
    [
      '--mysql-default-version=8.0.36',
      '--mysql-image-repository',
      'registry.example:5000/db/mysql',
      '--mysql-storage-class',
      'fast',
      '--mysql-default-cpu-request=',
      '--mysql-default-cpu-limit=2',
      '--mysql-max-replicas=7',
    ],
    { SHIPSHAPE_MYSQL_DEFAULT_STORAGE_SIZE: '50Gi', SHIPSHAPE_MYSQL_MAX_STORAGE_PER_CLUSTER: '2Ti' },
  );
  t.strictSame(mysql, {
    defaultVersion: '8.0.36',
    imageRepository: 'registry.example:5000/db/mysql',
    defaultStorageSize: '50Gi',
    storageClassName: 'fast',
    defaultResources: { requests: { memory: '1Gi' }, limits: { cpu: '2', memory: '1Gi' } },
    limits: { maxReplicas: 7, maxStoragePerCluster: '2Ti' },
  });
});

t.test('no storage class by default: the cluster default class applies', async (t) => {
  t.equal(policyOf([])?.storageClassName, undefined);
});

t.test('bad values are refused, naming the variable and the flag', async (t) => {
  const err = t.throws(() =>
    parseConfig(
      [
        '--mysql-default-version=8',
        '--mysql-image-repository=mysql:8.4',
        '--mysql-default-storage-size=big',
        '--mysql-storage-class=Fast_Disks',
      ],
      { SHIPSHAPE_MYSQL_MAX_REPLICAS: '-1' },
    ),
  ) as ConfigError;
  t.ok(err instanceof ConfigError);
  t.match(err.message, 'SHIPSHAPE_MYSQL_DEFAULT_VERSION (--mysql-default-version) = "8": must be a MySQL version');
  t.match(
    err.message,
    'SHIPSHAPE_MYSQL_IMAGE_REPOSITORY (--mysql-image-repository) = "mysql:8.4": must be an image repository without a tag',
  );
  t.match(
    err.message,
    'SHIPSHAPE_MYSQL_DEFAULT_STORAGE_SIZE (--mysql-default-storage-size) = "big": must be a Kubernetes quantity',
  );
  t.match(err.message, 'SHIPSHAPE_MYSQL_STORAGE_CLASS (--mysql-storage-class) = "Fast_Disks"');
  t.match(err.message, 'SHIPSHAPE_MYSQL_MAX_REPLICAS (--mysql-max-replicas) = "-1"');
});
