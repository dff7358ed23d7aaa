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
    let after =
      request.continuationToken === undefined
        ? undefined
        : (JSON.parse(continuation.resume(request.continuationToken, binding)) as IssuedPosition);
    const resumeFrom = after;
    const ranges = listableRanges(subject, grants.targetsFor('token', 'list')).filter(
      (range) => resumeFrom === undefined || resumeFrom.subject < range.to,
    );
    const now = clock.now();
    const deadline = performance.now() + LIST_TIME_BUDGET_MS;
    const tokens: IssuedToken[] = [];
    const pageAfter = (position: IssuedPosition) => continuation.issue(binding, JSON.stringify(position));
    for (const [rangeIndex, range] of ranges.entries()) {
      for (;;) {
        if (after !== undefined && performance.now() > deadline) return { tokens, continuationToken: pageAfter(after) };
        const rows = await storage.listIssued(range, after, now, BATCH);
        for (const [index, row] of rows.entries()) {
          after = { subject: row.subject, jti: row.jti };
          const revoked = revocations.isRevoked(row.jti) || row.ancestors.some((jti) => revocations.isRevoked(jti));
          if (revoked || !grants.allows('token', 'list', row.subject)) continue;
          tokens.push(row);
          if (tokens.length === limit) {
            const mayHaveMore = index < rows.length - 1 || rows.length === BATCH || rangeIndex < ranges.length - 1;
            return mayHaveMore ? { tokens, continuationToken: pageAfter(after) } : { tokens };
          }
        }
        if (rows.length < BATCH) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    return { tokens };
  }
}
