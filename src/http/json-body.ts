/**
 * Reads JSON bodies, after authentication: only application/json (else
 * 415), at most `limit` bytes (else 413), nested at most 64 levels deep, numbers finite.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { InvalidRequest, UnsupportedMediaType } from '../errors';

export const MAX_JSON_DEPTH = 64;
const METHODS_WITH_BODY = new Set(['PUT', 'POST', 'PATCH']);

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Why a parsed body is refused, or undefined. Iterative, so a hostile body
 * cannot exhaust the stack. A number too large for a double parses as
 * Infinity and would be stored as null: refused rather than changed.
 */
export function parsedBodyProblem(value: unknown, maxDepth: number): string | undefined {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (typeof current === 'number' && !Number.isFinite(current)) return 'the body holds a number out of range';
    if (typeof current !== 'object' || current === null) continue;
    if (depth > maxDepth) return `the body is nested deeper than ${maxDepth} levels`;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return undefined;
}

export function jsonBody(limit: number) {
  const parse = express.json({ limit, strict: true, type: () => true });
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!METHODS_WITH_BODY.has(req.method) || !hasBody(req)) return next();
    if (!req.is('application/json')) throw new UnsupportedMediaType();
    parse(req, res, (error?: unknown) => {
      if (error) return next(error);
      const problem = parsedBodyProblem(req.body, MAX_JSON_DEPTH);
      next(problem ? new InvalidRequest(problem) : undefined);
    });
  };
}
