// The settings table (the `settings` generated block, in docs/configuration.md): one row per
// setting of src/config/settings.ts, the same list `--help` prints and src/config/config.ts parses.
import { SETTINGS, type Setting } from '../config/settings.ts';
import { code, renderTable } from './markdown-table.ts';

/** Flag, environment variable, default ("none" when empty) and meaning. */
export function renderSettingsTable(settings: readonly Setting[] = SETTINGS): string {
  return renderTable(
    ['flag', 'environment', 'default', 'meaning'],
    settings.map((s) => [code(s.flag), code(s.env), s.default ? code(s.default) : 'none', s.description]),
  );
}
