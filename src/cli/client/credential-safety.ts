/**
 * Where the client's credentials may go, and how they may lie on disk.
 * Every request the client makes carries one (a bearer token, a CI
 * provider's ID token, a wrap token), so plain HTTP is refused except on
 * loopback, unless the user says otherwise; and a token file that others
 * may read is used, with a warning, as ssh warns of a private key.
 */
import fs from 'node:fs';
import { isLoopback } from '../../common/loopback';

/** The variable that lets the client send credentials over plain HTTP to another host. */
export const ALLOW_INSECURE_HTTP = 'SECRETS_ALLOW_INSECURE_HTTP';

/** Why credentials must not be sent to `url`, or undefined. */
export function plainHttpProblem(url: URL, env: NodeJS.ProcessEnv): string | undefined {
  if (url.protocol !== 'http:' || isLoopback(url.hostname)) return undefined;
  if (env[ALLOW_INSECURE_HTTP] === 'true') return undefined;
  return `refusing to send credentials over plain http to ${url.host}: use https://, or set ${ALLOW_INSECURE_HTTP}=true on a network you trust`;
}

/** A warning when others than its owner may read or write `file`, or undefined (also when it cannot be looked at). */
export function sharedFileWarning(file: string, what: string): string | undefined {
  let mode: number;
  try {
    mode = fs.statSync(file).mode;
  } catch {
    return undefined;
  }
  if ((mode & 0o077) === 0) return undefined;
  return `${what} ${file} is open to group or others (mode ${(mode & 0o777).toString(8).padStart(4, '0')}): chmod 600 ${file}`;
}

export function warnIfShared(file: string, what: string): void {
  const warning = sharedFileWarning(file, what);
  if (warning) process.stderr.write(`scoped-secrets: warning: ${warning}\n`);
}
