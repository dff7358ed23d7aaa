/**
 * SECRETS_OIDC_ISSUERS: the CI providers whose ID tokens may be exchanged.
 * A JSON file: [{"name", "issuer", "audience", "jwksUri"?, "maxTokenLifetime"?}].
 * Addresses are HTTPS, or plain HTTP on a loopback address (a stand-in on
 * the same host). Names and issuers are each unique: a second entry for one
 * `iss` would otherwise quietly replace the first.
 */
import { keyProblem } from '../secrets/secret-key';
import { isLoopback } from '../common/loopback';

export interface OidcIssuer {
  /** One key segment: how rules and audit events name the issuer. */
  readonly name: string;
  /** Exactly the `iss` of its tokens. */
  readonly issuer: string;
  readonly audience: string;
  /** Where its keys are; without it, from the issuer's discovery document. */
  readonly jwksUri?: string;
  /** How far in the future an ID token's `exp` may lie, in seconds (default DEFAULT_MAX_ID_TOKEN_LIFETIME). */
  readonly maxTokenLifetime?: number;
}

/** CI providers' ID tokens live minutes to an hour; a day is room to spare, and bounds what a leaked one is worth. */
export const DEFAULT_MAX_ID_TOKEN_LIFETIME = 86_400;
const LONGEST_MAX_ID_TOKEN_LIFETIME = 31_536_000;

export class OidcIssuersError extends Error {}

/** Why `text` may not be fetched for keys, or undefined: HTTPS anywhere, HTTP only on loopback. */
export function keyAddressProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `"${text}" is not a URL`;
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return undefined;
  return `"${text}" must be https:// (plain http only on a loopback address)`;
}

export function parseOidcIssuers(text: string, file: string): OidcIssuer[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new OidcIssuersError(`${file} is not valid JSON`);
  }
  if (!Array.isArray(parsed)) throw new OidcIssuersError(`${file} must hold a JSON array of issuers`);
  const names = new Set<string>();
  const issuerUrls = new Set<string>();
  const issuers = parsed.map((entry: unknown, index): OidcIssuer => {
    const where = `${file}: issuer ${index + 1}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new OidcIssuersError(`${where} must be an object`);
    const { name, issuer, audience, jwksUri, maxTokenLifetime, ...rest } = entry as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length > 0) throw new OidcIssuersError(`${where}: unknown field ${unknown.join(', ')}`);
    if (typeof name !== 'string' || name.includes('/') || keyProblem(name))
      throw new OidcIssuersError(`${where}: name must be one key segment`);
    if (names.has(name)) throw new OidcIssuersError(`${where}: the name ${name} is taken`);
    names.add(name);
    if (typeof issuer !== 'string') throw new OidcIssuersError(`${where}: issuer must be a URL`);
    if (issuerUrls.has(issuer)) throw new OidcIssuersError(`${where}: the issuer ${issuer} is configured already`);
    issuerUrls.add(issuer);
    if (typeof audience !== 'string' || audience === '') throw new OidcIssuersError(`${where}: audience must be a non-empty string`);
    if (jwksUri !== undefined && typeof jwksUri !== 'string') throw new OidcIssuersError(`${where}: jwksUri must be a URL`);
    for (const address of [issuer, ...(jwksUri === undefined ? [] : [jwksUri])]) {
      const problem = keyAddressProblem(address);
      if (problem) throw new OidcIssuersError(`${where}: ${problem}`);
    }
    if (
      maxTokenLifetime !== undefined &&
      !(
        Number.isInteger(maxTokenLifetime) &&
        (maxTokenLifetime as number) >= 60 &&
        (maxTokenLifetime as number) <= LONGEST_MAX_ID_TOKEN_LIFETIME
      )
    ) {
      throw new OidcIssuersError(
        `${where}: maxTokenLifetime must be a whole number of seconds from 60 to ${LONGEST_MAX_ID_TOKEN_LIFETIME}`,
      );
    }
    return {
      name,
      issuer,
      audience,
      ...(jwksUri === undefined ? {} : { jwksUri }),
      ...(maxTokenLifetime === undefined ? {} : { maxTokenLifetime: maxTokenLifetime as number }),
    };
  });
  return issuers;
}
