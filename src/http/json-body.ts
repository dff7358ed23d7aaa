/**
 * Reads JSON bodies, after authentication: only application/json (else
 * 415), at most `limit` bytes (else 413), nested at most 64 levels deep.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { InvalidRequest, UnsupportedMediaType } from '../errors';

export const MAX_JSON_DEPTH = 64;
const METHODS_WITH_BODY = new Set(['PUT', 'POST', 'PATCH']);

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Iterative, so a hostile body cannot exhaust the stack. */
export function nestedDeeperThan(value: unknown, maxDepth: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (typeof current !== 'object' || current === null) continue;
    if (depth > maxDepth) return true;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}

export function jsonBody(limit: number) {
  const parse = express.json({ limit, strict: true, type: () => true });
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!METHODS_WITH_BODY.has(req.method) || !hasBody(req)) return next();
    if (!req.is('application/json')) throw new UnsupportedMediaType();
    parse(req, res, (error?: unknown) => {
      if (error) return next(error);
      if (nestedDeeperThan(req.body, MAX_JSON_DEPTH)) {
        return next(new InvalidRequest(`the body is nested deeper than ${MAX_JSON_DEPTH} levels`));
      }
      next();
    });
  };
}
