/** The client the server hands out, as built: where it is, and the SHA-256 that names it. */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Where `npm run build` puts the client: dist/cli, beside dist/src. A function: the bundled client has no __dirname. */
export function clientFile(): string {
  return path.resolve(__dirname, '..', '..', 'cli', 'scoped-secrets.mjs');
}

export interface ClientBundle {
  readonly bytes: Buffer;
  /** The SHA-256 of the bytes, in hex. */
  readonly sha256: string;
}

/** Reads the bundle; undefined when there is none. */
export function readClientBundle(file = clientFile()): Promise<ClientBundle | undefined> {
  return fs.promises.readFile(file).then(
    (bytes) => ({ bytes, sha256: createHash('sha256').update(bytes).digest('hex') }),
    () => undefined,
  );
}

/** The SHA-256 of a client file, read at once (for the command line); undefined when there is none. */
export function clientSha256(file: string): string | undefined {
  try {
    return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  } catch {
    return undefined;
  }
}
