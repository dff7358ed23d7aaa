/**
 * HEAD, wherever GET is answered: the request goes through as a GET (its
 * authentication, scopes, validation and audit event alike), and node's
 * HTTP server, which knows the request was a HEAD, sends the headers
 * without the body. The API declares GET operations only.
 */
import type { NextFunction, Request, Response } from 'express';

export function headAsGet(req: Request, _res: Response, next: NextFunction): void {
  if (req.method === 'HEAD') req.method = 'GET';
  next();
}
