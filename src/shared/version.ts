/** This build's version, from package.json (beside dist/ in a clone, beside dist/ in the image). */
import fs from 'node:fs';
import path from 'node:path';

let cached: string | undefined;

export function packageVersion(): string {
  if (cached === undefined) {
    const file = path.resolve(__dirname, '..', '..', '..', 'package.json');
    cached = (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return cached;
}
