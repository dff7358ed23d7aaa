/**
 * buildApp(deps): the express app, never listening. The order of the
 * middleware is the order of the checks a request goes through:
 * authentication (401) → key grammar (400) → body and shape (400/413/415)
 * → scope (403, in each route) → existence and preconditions (404/410/412).
 */
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import { NotFound } from './errors';
import { authenticate } from './http/authenticate';
import { errorHandler } from './http/error-handler';
import { adoptMessageClasses, expressMessageClasses, type MessageClasses } from './http/express-messages';
import { writesGate } from './http/writes-gate';
import { jsonBody } from './http/json-body';
import { openApiValidation, type OpenApiDocument } from './http/openapi';
import { pipeline, under, unlessSecretPath } from './http/pipeline';
import { requestContext } from './http/request-context';
import { operationsRoutes } from './http/routes/operations';
import { consoleRoutes } from './http/routes/console';
import { clientDownloadRoutes } from './http/routes/client-download';
import { takeConditionalHeaders } from './http/conditional-get';
import { headAsGet } from './http/head-as-get';
import { auditRoutes } from './http/routes/audit';
import { secretRoutes } from './http/routes/secrets';
import { jwksRoutes } from './http/routes/jwks';
import { tokenRoutes } from './http/routes/tokens';
import { wrapRoutes } from './http/routes/wraps';
import { trustRoutes } from './http/routes/trust';
import { dynamicRoutes } from './http/routes/dynamic';
import type { RateLimiter } from './http/rate-limiter';
import type { RequestAuditor } from './http/request-auditor';
import { whoamiRoutes } from './http/routes/whoami';
import { secretKeyFromPath } from './http/secret-key-path';
import type { Readiness } from './storage/readiness-probe';
import type { Metrics } from './http/metrics';
import type { AuditStorage } from './audit/audit-storage';
import type { ContinuationTokens } from './secrets/continuation-tokens';
import type { SecretService } from './secrets/secret-service';
import type { IssuedTokenListing } from './tokens/issued-token-listing';
import type { VerificationKey } from './tokens/signing-keys';
import type { TokenService } from './tokens/token-service';
import type { TokenVerifier } from './tokens/token-verifier';
import type { WrapService } from './wraps/wrap-service';
import type { TrustService } from './federation/trust-service';
import type { LeaseService } from './dynamic/lease-service';
import type { Clock } from './common/clock';

export interface AppDeps {
  readonly secrets: SecretService;
  readonly tokens: TokenService;
  readonly tokenListing: IssuedTokenListing;
  readonly verificationKeys: () => readonly VerificationKey[];
  readonly jwtIssuer?: string;
  readonly jwksMaxAgeSeconds: number;
  readonly wraps: WrapService;
  readonly trust: TrustService;
  readonly leases: LeaseService;
  readonly clock: Clock;
  readonly auditor: RequestAuditor;
  readonly auditStore: Pick<AuditStorage, 'query'>;
  readonly continuation: ContinuationTokens;
  readonly verifier: Pick<TokenVerifier, 'verify'>;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly readiness: () => Readiness;
  readonly openApiDocument: OpenApiDocument;
  readonly maxBodyBytes: number;
  readonly metricsToken?: string;
  readonly subjectLimiter: Pick<RateLimiter, 'take'>;
  readonly addressLimiter: Pick<RateLimiter, 'take'>;
  readonly tokenLimiter: Pick<RateLimiter, 'take'>;
  /** False while writes cannot be made; then they answer 503. Always true when absent. */
  readonly writesAvailable?: () => boolean;
  /** Checks every response against the OpenAPI document; on in tests. */
  readonly validateResponses?: boolean;
  /** The classes the server makes requests and responses from; the app takes their prototypes. */
  readonly messages?: MessageClasses;
}

export function buildApp(deps: AppDeps): Express {
  const app = express();
  adoptMessageClasses(app, deps.messages ?? expressMessageClasses());
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('case sensitive routing', true);
  app.set('strict routing', true);
  app.set('trust proxy', false);

  app.use(pipeline(requestContext(deps), takeConditionalHeaders, deps.auditor.middleware()));
  app.use(unlessSecretPath(operationsRoutes(deps)));
  app.use(unlessSecretPath(consoleRoutes()));
  app.use(unlessSecretPath(clientDownloadRoutes()));
  app.use(
    unlessSecretPath(
      jwksRoutes({ verificationKeys: deps.verificationKeys, issuer: deps.jwtIssuer, maxAgeSeconds: deps.jwksMaxAgeSeconds }),
    ),
  );
  app.use(
    pipeline(
      under('/v1', pipeline(authenticate(deps), writesGate(deps.writesAvailable ?? (() => true)), headAsGet)),
      secretKeyFromPath,
      jsonBody(deps.maxBodyBytes),
      ...openApiValidation(deps.openApiDocument, deps.validateResponses ?? false),
    ),
  );
  app.use(secretRoutes(deps));
  app.use(unlessSecretPath(whoamiRoutes()));
  app.use(tokenRoutes(deps));
  app.use(wrapRoutes(deps));
  app.use(trustRoutes(deps));
  app.use(dynamicRoutes(deps));
  app.use(auditRoutes(deps));
  app.use(() => {
    throw new NotFound();
  });
  app.use(errorHandler(deps.logger, deps.metrics));
  return app;
}
