/**
 * GET /v1/tokens: the tokens this server signed that are still valid
 * (unexpired, neither they nor a token they came from revoked), by
 * subject, for a caller holding `token:list:<subject>`. Never the token
 * itself: a record holds its jti, scopes, parent and expiry, not its
 * signature. As with secrets, only the subject ranges the caller's list
 * patterns reach are read, and each request reads for a bounded time.
 */
import type { Clock } from '../common/clock';
import type { GrantSet } from '../scopes/grant-set';
import type { ContinuationTokens } from '../secrets/continuation-tokens';
import { listableRanges } from '../secrets/listing-ranges';
import { walkRanges } from '../secrets/range-walk';
import type { RevocationList } from './revocation-list';
import type { IssuedPosition, IssuedToken, TokenStorage } from './token-storage';

export interface TokenListRequest {
  /** A whole-segment subject prefix; '' for every subject. */
  readonly subject: string;
  readonly limit: number;
  readonly continuationToken?: string;
  readonly grants: Pick<GrantSet, 'allows' | 'targetsFor'>;
}

export interface TokenListPage {
  readonly tokens: IssuedToken[];
  readonly continuationToken?: string;
}

const LIST_TIME_BUDGET_MS = 50;
const BATCH = 500;

export class IssuedTokenListing {
  constructor(
    private readonly deps: {
      storage: Pick<TokenStorage, 'listIssued'>;
      revocations: Pick<RevocationList, 'isRevoked'>;
      clock: Clock;
      continuation: ContinuationTokens;
    },
  ) {}

  async list(request: TokenListRequest): Promise<TokenListPage> {
    const { storage, revocations, clock, continuation } = this.deps;
    const { subject, limit, grants } = request;
    const binding = JSON.stringify(['tokens', subject]);
    const after =
      request.continuationToken === undefined
        ? undefined
        : (JSON.parse(continuation.resume(request.continuationToken, binding)) as IssuedPosition);
    const now = clock.now();
    const revoked = (token: IssuedToken) => revocations.isRevoked(token.jti) || token.ancestors.some((jti) => revocations.isRevoked(jti));
    const page = await walkRanges<IssuedToken, IssuedPosition>({
      ranges: listableRanges(subject, grants.targetsFor('token', 'list')).filter(
        (range) => after === undefined || after.subject < range.to,
      ),
      after,
      limit,
      batchSize: BATCH,
      budgetMs: LIST_TIME_BUDGET_MS,
      read: (range, from, batch) => storage.listIssued(range, from, now, batch),
      positionOf: (row) => ({ subject: row.subject, jti: row.jti }),
      keep: (row) => !revoked(row) && grants.allows('token', 'list', row.subject),
    });
    const resumeAfter = page.resumeAfter;
    return resumeAfter === undefined
      ? { tokens: page.rows }
      : { tokens: page.rows, continuationToken: continuation.issue(binding, JSON.stringify(resumeAfter)) };
  }
}
