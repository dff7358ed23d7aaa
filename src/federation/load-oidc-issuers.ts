/** Reads SECRETS_OIDC_ISSUERS at start-up; a problem stops start-up with one line naming the variable. */
import fs from 'node:fs';
import { ConfigError } from '../config';
import { OidcIssuersError, parseOidcIssuers, type OidcIssuer } from './oidc-issuers';

export function loadOidcIssuers(file: string | undefined): OidcIssuer[] {
  if (file === undefined) return [];
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError('SECRETS_OIDC_ISSUERS', `cannot read ${file} (${(error as NodeJS.ErrnoException).code})`);
  }
  try {
    return parseOidcIssuers(text, file);
  } catch (error) {
    if (error instanceof OidcIssuersError) throw new ConfigError('SECRETS_OIDC_ISSUERS', error.message);
    throw error;
  }
}
