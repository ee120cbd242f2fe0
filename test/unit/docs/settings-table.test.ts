// The settings table (the `settings` block of docs/configuration.md) is rendered from
// src/config/settings.ts: every flag, variable, default and description, one row per setting.
import t from 'tap';
import { type Setting, SETTINGS } from '../../../src/config/settings.ts';
import { renderSettingsTable } from '../../../src/docs/settings-table.ts';
import { tableRows } from '../../helpers/markdown-table.ts';

t.test('the table has one row per setting, with its flag, variable, default and description', async (t) => {
  const table = renderSettingsTable();
  t.match(table.split('\n')[0], /^\| flag +\| environment +\| default +\| meaning +\|$/);
  t.same(
    tableRows(table),
    SETTINGS.map((s) => [`\`${s.flag}\``, `\`${s.env}\``, s.default ? `\`${s.default}\`` : 'none', s.description]),
  );
});

t.test('a changed description shows in the table', async (t) => {
  const edited: Setting[] = SETTINGS.map((s) => (s.key === 'workers' ? { ...s, description: 'Reconcilers' } : s));
  const table = renderSettingsTable(edited);
  t.not(table, renderSettingsTable());
  t.match(table, /\| `--workers` +\| `SHIPSHAPE_WORKERS` +\| `4` +\| Reconcilers +\|/);
});

t.test('a pipe in a description is escaped, not a new column', async (t) => {
  const [s] = SETTINGS;
  const table = renderSettingsTable([{ ...s!, description: 'a | b' }]);
  t.match(table.split('\n')[2], /\| a \\\| b +\|$/);
});

t.test('every column is as wide as its widest cell, as Prettier pads it', async (t) => {
  const lines = renderSettingsTable().split('\n');
  t.equal(new Set(lines.map((l) => l.length)).size, 1, 'every line equally long');
  t.match(lines[1], /^\| -+ \| -+ \| -+ \| -+ \|$/);
});
