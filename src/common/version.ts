/** This build's version: from package.json beside dist/ (a clone, the package, the image), or set when the client was bundled. */
import fs from 'node:fs';
import path from 'node:path';

/** Replaced by the bundler in the client the server hands out, which has no package.json beside it. */
declare const SCOPED_SECRETS_BUNDLED_VERSION: string | undefined;

let cached: string | undefined;

export function packageVersion(): string {
  if (cached === undefined) {
    if (typeof SCOPED_SECRETS_BUNDLED_VERSION === 'string') return (cached = SCOPED_SECRETS_BUNDLED_VERSION);
    const file = path.resolve(__dirname, '..', '..', '..', 'package.json');
    cached = (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return cached;
}
