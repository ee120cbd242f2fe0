// The `NAME=value` files that pin what the install scripts build (scripts/*.versions), read the
// way the scripts read them.
import { readFileSync } from 'node:fs';
import { HarnessError } from './harness-error.ts';

/** A reader of `file`'s values; it throws CP_VERSIONS naming a value the file does not set. */
export function readVersionsFile(file: URL): (name: string) => string {
  const values = new Map<string, string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^([A-Z_]+)=(\S+)$/.exec(line.trim());
    if (match) values.set(match[1]!, match[2]!);
  }
  return (name) => {
    const value = values.get(name);
    if (!value) throw new HarnessError('CP_VERSIONS', `${name} is not set in ${file.pathname}`);
    return value;
  };
}
