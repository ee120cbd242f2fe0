// The README's settings table is rendered from src/config/settings.ts (`npm run render`): the whole
// table, every flag, variable, default and description, must be what settings.ts renders today.
import { readFile } from 'node:fs/promises';
import t from 'tap';
import {
  renderSettingsTable,
  SETTINGS_TABLE_END,
  SETTINGS_TABLE_START,
  settingsTableIn,
  withSettingsTable,
} from '../../../src/config/settings-table.ts';
import { type Setting, SETTINGS } from '../../../src/config/settings.ts';

const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');

t.test('the README holds the table settings.ts renders, whole', async (t) => {
  t.equal(settingsTableIn(readme), renderSettingsTable(), 'the table between the markers (fix: npm run render)');
  t.equal(withSettingsTable(readme), readme, 'and rendering the README again changes nothing');
});

t.test('the table has one row per setting, with its flag, variable, default and description', async (t) => {
  const rows = renderSettingsTable()
    .split('\n')
    .slice(2)
    .map((line) =>
      line
        .slice(2, -2)
        .split(' | ')
        .map((c) => c.trim()),
    );
  t.same(
    rows,
    SETTINGS.map((s) => [`\`${s.flag}\``, `\`${s.env}\``, s.default ? `\`${s.default}\`` : 'none', s.description]),
  );
});

t.test('a changed description shows in the rendered README, so the check fails until it is rendered', async (t) => {
  const edited: Setting[] = SETTINGS.map((s) => (s.key === 'workers' ? { ...s, description: 'Reconcilers' } : s));
  const rendered = withSettingsTable(readme, renderSettingsTable(edited));
  t.not(rendered, readme);
  t.match(settingsTableIn(rendered), /\| `--workers` +\| `SHIPSHAPE_WORKERS` +\| `4` +\| Reconcilers +\|/);
});

t.test('a pipe in a description is escaped, not a new column', async (t) => {
  const [s] = SETTINGS;
  const table = renderSettingsTable([{ ...s!, description: 'a | b' }]);
  t.match(table.split('\n')[2], /\| a \\\| b +\|$/);
});

t.test('missing or repeated markers are refused, not guessed around', async (t) => {
  t.throws(() => settingsTableIn('no table here'), /must hold .* once each/);
  const twice = `${SETTINGS_TABLE_START}\n${SETTINGS_TABLE_END}\n${SETTINGS_TABLE_START}\n${SETTINGS_TABLE_END}`;
  t.throws(() => withSettingsTable(twice), /once each/);
  t.throws(() => settingsTableIn(`${SETTINGS_TABLE_END}\n${SETTINGS_TABLE_START}`), /comes before/);
});
