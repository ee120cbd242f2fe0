// The README's settings table, rendered from SETTINGS. `npm run render` writes it between the two
// marker comments in README.md; `npm run render:check` and test/unit/config/readme.test.ts fail
// when the README's copy differs from what this renders. The columns are padded as Prettier pads a
// Markdown table, so `prettier --check` and the check agree on the same text.
import { SETTINGS, type Setting } from './settings.ts';

export const SETTINGS_TABLE_START = '<!-- settings table: rendered from src/config/settings.ts by `npm run render` -->';
export const SETTINGS_TABLE_END = '<!-- end of the settings table -->';

const code = (text: string) => `\`${text}\``;
/** A pipe inside a cell would end it. */
const cell = (text: string) => text.replaceAll('|', '\\|');

/** One Markdown table: flag, environment variable, default ("none" when empty) and meaning. */
export function renderSettingsTable(settings: readonly Setting[] = SETTINGS): string {
  const rows = [
    ['flag', 'environment', 'default', 'meaning'],
    ...settings.map((s) => [code(s.flag), code(s.env), s.default ? code(s.default) : 'none', s.description].map(cell)),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(3, ...rows.map((row) => row[column]!.length)));
  const line = (row: readonly string[]) => `| ${row.map((text, i) => text.padEnd(widths[i]!)).join(' | ')} |`;
  const [header, ...body] = rows;
  return [line(header!), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** Where the table sits in `readme`: the text between the markers. Throws unless each marker occurs once, in order. */
function tableBounds(readme: string): { start: number; end: number } {
  const count = (marker: string) => readme.split(marker).length - 1;
  if (count(SETTINGS_TABLE_START) !== 1 || count(SETTINGS_TABLE_END) !== 1)
    throw new Error(`README.md must hold "${SETTINGS_TABLE_START}" and "${SETTINGS_TABLE_END}" once each`);
  const start = readme.indexOf(SETTINGS_TABLE_START) + SETTINGS_TABLE_START.length;
  const end = readme.indexOf(SETTINGS_TABLE_END);
  if (end < start) throw new Error(`"${SETTINGS_TABLE_END}" comes before "${SETTINGS_TABLE_START}" in README.md`);
  return { start, end };
}

/** The settings table as `readme` has it now, without the blank lines around it. */
export function settingsTableIn(readme: string): string {
  const { start, end } = tableBounds(readme);
  return readme.slice(start, end).trim();
}

/** `readme` with the current settings table between the markers (blank lines around it, as Prettier keeps them). */
export function withSettingsTable(readme: string, table = renderSettingsTable()): string {
  const { start, end } = tableBounds(readme);
  return `${readme.slice(0, start)}\n\n${table}\n\n${readme.slice(end)}`;
}
