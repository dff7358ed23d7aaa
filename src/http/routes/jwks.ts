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

/** How long a client may keep the key set: a new key is published this long before it signs. */
export const JWKS_MAX_AGE_SECONDS = 300;

const WELL_KNOWN_JWKS = '/.well-known/jwks.json';

export function jwksDocument(keys: readonly VerificationKey[]) {
  return {
    keys: keys
      .filter((key) => key.key.type === 'public' && key.kid !== undefined)
      .map((key) => ({ ...publicJwk(key.key), kid: key.kid, alg: key.algorithm, use: 'sig' })),
  };
}

function cacheable(res: Response): Response {
  return res.set('Cache-Control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`);
}

export function jwksRoutes(deps: { verificationKeys: readonly VerificationKey[]; issuer?: string }): Router {
  const document = jwksDocument(deps.verificationKeys);
  const { issuer } = deps;
  // Discovery needs the issuer's public URL, which only the operator knows: without SECRETS_JWT_ISSUER there is none.
  const discovery =
    issuer === undefined || !/^https?:\/\//.test(issuer)
      ? undefined
      : {
          issuer,
          jwks_uri: `${issuer.replace(/\/+$/, '')}${WELL_KNOWN_JWKS}`,
          id_token_signing_alg_values_supported: [...new Set(document.keys.map((key) => key.alg))],
        };
  const router = Router({ caseSensitive: true, strict: true });

  router.get(WELL_KNOWN_JWKS, (_req, res) => {
    cacheable(res).json(document);
  });

  router.get('/.well-known/openid-configuration', (_req, res) => {
    if (!discovery) throw new NotFound('no discovery document: set SECRETS_JWT_ISSUER to the URL this service is reached at');
    cacheable(res).json(discovery);
  });

  return router;
}
