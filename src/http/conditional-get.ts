/**
 * Conditional reads are answered by the routes that send entity tags, and
 * by no one else: express's own freshness check would answer `304` to
 * `If-None-Match: *` on any GET, and to `If-Modified-Since` where we send
 * no Last-Modified. So the headers leave a GET or HEAD before any route
 * sees them; If-None-Match is kept in the locals for the routes that use it.
 */
import type { NextFunction, Request, Response } from 'express';
import { locals } from './locals';

export function takeConditionalHeaders(req: Request, res: Response, next: NextFunction): void {
  if (req.method === 'GET' || req.method === 'HEAD') {
    const ifNoneMatch = req.headers['if-none-match'];
    if (ifNoneMatch !== undefined) locals(res).ifNoneMatch = ifNoneMatch;
    delete req.headers['if-none-match'];
    delete req.headers['if-modified-since'];
  }
  next();
}
