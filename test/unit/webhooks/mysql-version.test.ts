import t from 'tap';
import { compareMySQLVersions, parseMySQLVersion, skippedSeries } from '../../../webhooks/mysql-version.ts';

const v = (text: string) => parseMySQLVersion(text)!;

t.test('versions parse as numbers; anything else is undefined', async (t) => {
  t.strictSame(parseMySQLVersion('8.0.36'), { major: 8, minor: 0, patch: 36 });
  t.strictSame(parseMySQLVersion('8.4'), { major: 8, minor: 4 });
  for (const bad of ['8', '8.04', 'v8.4', '8.4.1.2', 8.4]) t.equal(parseMySQLVersion(bad), undefined, String(bad));
});

t.test('comparison is numeric and a series is neither before nor after its patches', async (t) => {
  t.ok(compareMySQLVersions(v('8.10'), v('8.9')) > 0);
  t.ok(compareMySQLVersions(v('8.0.9'), v('8.0.10')) < 0);
  t.equal(compareMySQLVersions(v('8.4'), v('8.4.3')), 0);
  t.ok(compareMySQLVersions(v('9.0'), v('8.4.3')) > 0);
});

t.test('an upgrade may not skip a long-term series', async (t) => {
  t.equal(skippedSeries(v('5.7'), v('8.0')), undefined);
  t.equal(skippedSeries(v('8.0.36'), v('8.4')), undefined);
  t.equal(skippedSeries(v('8.4'), v('9.1')), undefined);
  t.equal(skippedSeries(v('9.1'), v('9.3')), undefined);
  t.equal(skippedSeries(v('5.7'), v('8.4')), '8.0');
  t.equal(skippedSeries(v('8.0'), v('9.1')), '8.4');
  t.equal(skippedSeries(v('5.6'), v('8.0')), '5.7');
});
