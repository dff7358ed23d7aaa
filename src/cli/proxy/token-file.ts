/**
 * The proxy's token, read from a file and read again whenever the file
 * changes (a rewrite or an atomic rename alike), checked with one stat per
 * request. A file that turns unreadable keeps the last good token.
 */
import fs from 'node:fs';

export class TokenFileError extends Error {}

export class TokenFile {
  private token: string;
  private signature: string;

  /** Throws TokenFileError when the file cannot be read or is empty: the proxy must not start. */
  constructor(private readonly file: string) {
    const read = this.read();
    if (!read) throw new TokenFileError(`cannot read a token from ${file}`);
    [this.token, this.signature] = read;
  }

  current(): string {
    let signature: string;
    try {
      signature = this.statSignature();
    } catch {
      return this.token;
    }
    if (signature !== this.signature) {
      const read = this.read();
      if (read) [this.token, this.signature] = read;
    }
    return this.token;
  }

  private statSignature(): string {
    const stat = fs.statSync(this.file);
    return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  }

  private read(): [string, string] | undefined {
    try {
      const signature = this.statSignature();
      const token = fs.readFileSync(this.file, 'utf8').trim();
      return token === '' ? undefined : [token, signature];
    } catch {
      return undefined;
    }
  }
}
