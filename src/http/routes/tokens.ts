/** GET /v1/tokens (list), POST /v1/tokens (derive) and POST /v1/tokens/revoke. */
import { Router } from 'express';
import { formatTimestamp } from '../../common/clock';
import type { Metrics } from '../metrics';
import { deriveRequest, type DerivedToken, type TokenService } from '../../tokens/token-service';
import type { IssuedTokenListing } from '../../tokens/issued-token-listing';
import type { IssuedToken } from '../../tokens/token-storage';
import { principalOf } from '../locals';
import { setNextLink } from '../next-link';
import { InvalidKey } from '../../errors';
import { keyProblem } from '../../secrets/secret-key';
import { takeOrRefuse, type RateLimiter } from '../rate-limiter';
import type { RequestAuditor } from '../request-auditor';
import { secured } from '../secured-route';

/** Minting and revoking are limited per subject apart from other requests: each leaves a row every replica reads. */
/** A minted token as POST /v1/tokens and /v1/tokens/exchange answer it. */
export function issuedTokenBody(issued: DerivedToken) {
  return {
    token: issued.token,
    jti: issued.jti,
    subject: issued.subject,
    scopes: issued.scopes,
    expires: formatTimestamp(issued.expiresAt),
  };
}

function listedTokenBody(token: IssuedToken) {
  return {
    jti: token.jti,
    subject: token.subject,
    kind: token.kind,
    ...(token.scopes === undefined ? {} : { scopes: token.scopes }),
    parent: token.ancestors[token.ancestors.length - 1] ?? null,
    created: formatTimestamp(token.createdAt),
    expires: formatTimestamp(token.expiresAt),
  };
}

export function tokenRoutes(deps: {
  tokens: TokenService;
  tokenListing: IssuedTokenListing;
  metrics: Metrics;
  auditor: RequestAuditor;
  tokenLimiter: Pick<RateLimiter, 'take'>;
}): Router {
  const { tokens, tokenListing, metrics, auditor, tokenLimiter } = deps;
  const router = Router({ caseSensitive: true, strict: true });

  router.get(
    '/v1/tokens',
    secured({
      audit: (req) => ['token.list', typeof req.query.subject === 'string' && req.query.subject !== '' ? req.query.subject : null],
      parse: (req) => {
        const subject = typeof req.query.subject === 'string' ? req.query.subject : '';
        const problem = subject === '' ? undefined : keyProblem(subject);
        if (problem) throw new InvalidKey(`subject: ${problem}`);
        return {
          subject,
          limit: req.query.limit === undefined ? 100 : Number(req.query.limit),
          continuationToken: req.query.continuationToken as string | undefined,
        };
      },
      // Any valid token may list: each token is shown only to a caller holding token:list for its subject.
      scopes: () => [],
      async handle(request, req, res) {
        const page = await tokenListing.list({ ...request, grants: principalOf(res).grants });
        setNextLink(req, res, page.continuationToken);
        res.json({
          tokens: page.tokens.map(listedTokenBody),
          ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}),
        });
      },
    }),
  );

  router.post(
    '/v1/tokens',
    secured({
      audit: (req, res) => ['token.create', (req.body as { subject?: string }).subject ?? principalOf(res).subject],
      parse: (req, res) => {
        takeOrRefuse(tokenLimiter, principalOf(res).subject);
        return deriveRequest(req.body as { subject?: string; scopes: string[]; ttl: number }, principalOf(res));
      },
      // Deriving for oneself needs no scope; for another subject, token:create:<subject>.
      scopes: ({ subject }, caller) => (subject === caller.subject ? [] : [['token', 'create', subject]]),
      async handle(request, req, res) {
        const derived = await tokens.derive(principalOf(res), request, auditor.actor(req, res));
        auditor.committedWithWrite(res);
        metrics.tokensMinted.inc();
        res.status(201).json(issuedTokenBody(derived));
      },
    }),
  );

  router.post(
    '/v1/tokens/revoke',
    secured({
      audit: (req) => ['token.revoke', (req.body as { jti: string }).jti],
      parse: (req, res) => {
        takeOrRefuse(tokenLimiter, principalOf(res).subject);
        return { jti: (req.body as { jti: string }).jti };
      },
      // Who may revoke depends on the token's record (its subject, its ancestry): the service decides.
      scopes: () => [],
      async handle({ jti }, req, res) {
        await tokens.revoke(principalOf(res), jti, auditor.actor(req, res));
        auditor.committedWithWrite(res);
        metrics.revocations.inc();
        res.status(204).end();
      },
    }),
  );

  return router;
}
