/**
 * Keys (and trust rule names and backend keys, which follow the key grammar) hold slashes,
 * so `/v1/secret/{key}`, `/v1/trust/{name}`, `/v1/backends/{key}` and `/v1/creds/{key}` cannot be matched one segment at
 * a time. This takes the key from the raw path, checks its grammar (before
 * anything else looks at the request's shape), and hands the validator and
 * the router a single percent-encoded segment. A percent-encoded slash
 * (`%2F`, as clients that encode a path parameter whole send it) is decoded,
 * once, before the grammar check; any other `%` in the raw path is
 * InvalidKey, and so is a `%` that decoding left (`%252F`).
 */
import type { NextFunction, Request, Response } from 'express';
import { InvalidKey } from '../errors';
import { keyProblem } from '../secrets/secret-key';
import { locals } from './locals';

/** Where a secret's key begins in the path: the hot route's prefix. */
export const SECRET_PATH_PREFIX = '/v1/secret/';
const KEYED_PATHS = [SECRET_PATH_PREFIX, '/v1/trust/', '/v1/backends/', '/v1/creds/'];
const LIST_PATHS = ['/v1/secrets', '/v1/leases', '/v1/backends'];

export function secretKeyFromPath(req: Request, res: Response, next: NextFunction): void {
  const queryStart = req.url.indexOf('?');
  const path = queryStart < 0 ? req.url : req.url.slice(0, queryStart);
  const keyed = KEYED_PATHS.find((prefix) => path.startsWith(prefix));
  if (keyed !== undefined) {
    const raw = path.slice(keyed.length);
    // Most keys hold no `%`: the hot path skips the search.
    const key = raw.includes('%') ? raw.replace(/%2F/gi, '/') : raw;
    const problem = keyProblem(key);
    if (problem) throw new InvalidKey(problem);
    locals(res).key = key;
    req.url = `${keyed}${encodeURIComponent(key)}${queryStart < 0 ? '' : req.url.slice(queryStart)}`;
  } else if (LIST_PATHS.includes(path)) {
    const prefix = req.query.prefix;
    if (typeof prefix === 'string' && prefix !== '') {
      const problem = keyProblem(prefix);
      if (problem) throw new InvalidKey(`prefix: ${problem}`);
    }
  }
  next();
}
