/**
 * One error hierarchy: handlers throw these, and the error handler turns
 * them into `{code, message, requestId}` with the status they carry.
 */
export class AppError extends Error {
  /** For refusals of the caller: the reason the denials metric counts it under. */
  readonly denial?: string;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly details?: unknown,
  ) {
    super(message);
    this.name = code;
  }
}

export class InvalidRequest extends AppError {
  constructor(message: string, details?: unknown) {
    super(400, 'InvalidRequest', message, {}, details);
  }
}

export class InvalidKey extends AppError {
  constructor(message: string) {
    super(400, 'InvalidKey', message);
  }
}

export class InvalidContinuationToken extends AppError {
  constructor() {
    super(400, 'InvalidContinuationToken', 'the continuation token is not valid for this listing');
  }
}

export class Unauthorized extends AppError {
  override readonly denial: string;

  constructor(message: string, tokenPresented: boolean) {
    super(401, 'Unauthorized', message, {
      'WWW-Authenticate': tokenPresented ? 'Bearer error="invalid_token"' : 'Bearer',
    });
    this.denial = tokenPresented ? 'invalid_token' : 'no_token';
  }
}

export class InsufficientScopes extends AppError {
  override readonly denial = 'insufficient_scopes';

  constructor(readonly required: string[]) {
    super(403, 'InsufficientScopes', `this request requires the scope ${required.join(' and ')}`);
  }
}

export class ScopeEscalation extends AppError {
  override readonly denial = 'scope_escalation';

  constructor(readonly uncovered: string[]) {
    super(403, 'ScopeEscalation', `the caller's scopes do not cover: ${uncovered.join(', ')}`, {}, { uncovered });
  }
}

export class SecretNotFound extends AppError {
  constructor() {
    super(404, 'SecretNotFound', 'no such secret');
  }
}

export class NoMatchingTrustRule extends AppError {
  constructor() {
    super(403, 'NoMatchingTrustRule', 'no trust rule matches this ID token');
  }
}

/** Several rules match and none is the most specific; which ones is not said, since their names are not the caller's to learn. */
export class AmbiguousTrustRule extends AppError {
  constructor() {
    super(
      409,
      'AmbiguousTrustRule',
      'several trust rules match this ID token and none of them is the most specific: name the rule to use (rule in the request, --trust-rule on the command line)',
    );
  }
}

export class TrustRuleNotFound extends AppError {
  constructor() {
    super(404, 'TrustRuleNotFound', 'no such trust rule');
  }
}

/** One answer for a wrap token that is unknown, used or expired: which of the three is nobody's business. */
export class WrapTokenNotFound extends AppError {
  constructor() {
    super(404, 'WrapTokenNotFound', 'no such wrap token: unknown, already unwrapped, or expired');
  }
}

export class SecretExpired extends AppError {
  constructor() {
    super(410, 'SecretExpired', 'the secret has expired');
  }
}

export class RangeNotSatisfiable extends AppError {
  constructor(message: string) {
    super(416, 'RangeNotSatisfiable', message);
  }
}

export class PreconditionFailed extends AppError {
  constructor(message: string) {
    super(412, 'PreconditionFailed', message);
  }
}

export class PayloadTooLarge extends AppError {
  constructor(limit: number) {
    super(413, 'PayloadTooLarge', `the request body is larger than ${limit} bytes`);
  }
}

export class UnsupportedMediaType extends AppError {
  constructor() {
    super(415, 'UnsupportedMediaType', 'request bodies must be application/json');
  }
}

export class TooManyRequests extends AppError {
  override readonly denial = 'rate_limited';

  constructor(retryAfterSeconds: number) {
    super(429, 'TooManyRequests', 'too many requests', { 'Retry-After': String(retryAfterSeconds) });
  }
}

/** A subject's live wraps at their quota: more once some are unwrapped or expire. */
export class WrapQuotaExceeded extends AppError {
  override readonly denial = 'wrap_quota';

  constructor(message: string, retryAfterSeconds: number) {
    super(429, 'TooManyRequests', message, { 'Retry-After': String(retryAfterSeconds) });
  }
}

/** One wrap larger than a subject's whole quota of wrapped bytes: it could never be created. */
export class WrapTooLarge extends AppError {
  override readonly denial = 'wrap_quota';

  constructor(limit: number) {
    super(413, 'PayloadTooLarge', `a wrap holds at most ${limit} bytes, sealed (SECRETS_WRAP_QUOTA_BYTES)`);
  }
}

export class NotFound extends AppError {
  constructor(message = 'no such route') {
    super(404, 'NotFound', message);
  }
}

export class MethodNotAllowed extends AppError {
  constructor(allow: string) {
    super(405, 'MethodNotAllowed', 'method not allowed on this route', { Allow: allow });
  }
}

export class Unavailable extends AppError {
  constructor(message = 'the database is unavailable, try again shortly') {
    super(503, 'Unavailable', message, { 'Retry-After': '1' });
  }
}

/** The database's disk is full: writes wait for room; reads go on. */
export class InsufficientStorage extends AppError {
  constructor() {
    super(507, 'InsufficientStorage', "the database's disk is full: writes are refused until there is room again; reads go on", {
      'Retry-After': '10',
    });
  }
}

export class Internal extends AppError {
  constructor() {
    super(500, 'Internal', 'internal error');
  }
}
