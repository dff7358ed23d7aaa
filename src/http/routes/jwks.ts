/**
 * The keys that verify this service's tokens, published so that anyone
 * can verify them without a shared secret: GET /.well-known/jwks.json
 * (RFC 7517) holds every public verification key with its `kid`, which
 * each token names in its header; GET /.well-known/openid-configuration
 * points there, for clients that discover keys from the issuer (jose's
 * createRemoteJWKSet, API gateways). The HS256 secret is never published:
 * with it alone the key set is empty. Open to anyone, as public keys are.
 */
import { Router, type Response } from 'express';
import { NotFound } from '../../errors';
import { publicJwk, type VerificationKey } from '../../tokens/signing-keys';

const WELL_KNOWN_JWKS = '/.well-known/jwks.json';

export function jwksDocument(keys: readonly VerificationKey[]) {
  return {
    keys: keys
      .filter((key) => key.key.type === 'public' && key.kid !== undefined)
      .map((key) => ({ ...publicJwk(key.key), kid: key.kid, alg: key.algorithm, use: 'sig' })),
  };
}

/** The discovery document for `issuer`, or none: discovery needs the issuer's public URL, which only the operator knows. */
function discoveryDocument(issuer: string | undefined, algorithms: readonly string[]) {
  if (issuer === undefined || !/^https?:\/\//.test(issuer)) return undefined;
  return {
    issuer,
    jwks_uri: `${issuer.replace(/\/+$/, '')}${WELL_KNOWN_JWKS}`,
    id_token_signing_alg_values_supported: [...new Set(algorithms)],
  };
}

export function jwksRoutes(deps: { verificationKeys: () => readonly VerificationKey[]; issuer?: string; maxAgeSeconds: number }): Router {
  // A client may keep the key set this long: a rotated key is published at least this long before it signs.
  const cacheable = (res: Response): Response => res.set('Cache-Control', `public, max-age=${deps.maxAgeSeconds}`);
  // Built again only when the keys change (a rotation published, a key retired), not per request.
  let built:
    | { keys: readonly VerificationKey[]; jwks: ReturnType<typeof jwksDocument>; discovery: ReturnType<typeof discoveryDocument> }
    | undefined;
  const current = () => {
    const keys = deps.verificationKeys();
    if (built?.keys !== keys) {
      const jwks = jwksDocument(keys);
      built = {
        keys,
        jwks,
        discovery: discoveryDocument(
          deps.issuer,
          jwks.keys.map((key) => key.alg),
        ),
      };
    }
    return built;
  };
  const router = Router({ caseSensitive: true, strict: true });

  router.get(WELL_KNOWN_JWKS, (_req, res) => {
    cacheable(res).json(current().jwks);
  });

  router.get('/.well-known/openid-configuration', (_req, res) => {
    const { discovery } = current();
    if (!discovery) throw new NotFound('no discovery document: set SECRETS_JWT_ISSUER to the URL this service is reached at');
    cacheable(res).json(discovery);
  });

  return router;
}
