// The README lists every setting, as the brief requires; this keeps it true.
import { readFile } from 'node:fs/promises';
import t from 'tap';
import { SETTINGS } from '../../../src/config/settings.ts';

const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
for (const s of SETTINGS) {
  t.match(readme, `| \`${s.flag}\``, `README lists ${s.flag}`);
  t.match(readme, `\`${s.env}\``, `README lists ${s.env}`);
}
