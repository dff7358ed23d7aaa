/**
 * Middleware run in sequence as one layer of the app's router. Every layer
 * the router passes costs a path match, a params object and closures:
 * profiled under the GET load, the router's `next` allocated more than any
 * other function, and its CPU time was a tenth of a GET's. A handler's
 * throw or rejected promise goes to `next(error)`, as the router would send it.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { SECRET_PATH_PREFIX } from './secret-key-path';

export function pipeline(...handlers: RequestHandler[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    let index = 0;
    const step = (error?: unknown): void => {
      const handler = handlers[index++];
      if (error || handler === undefined) return next(error);
      try {
        const result: unknown = handler(req, res, step);
        if (result instanceof Promise) result.catch(step);
      } catch (thrown) {
        step(thrown);
      }
    };
    step();
  };
}

/** Runs `handler` only for requests whose path is `prefix` or under it, as `app.use(prefix, handler)` would, without rewriting `req.url`. */
export function under(prefix: string, handler: RequestHandler): RequestHandler {
  const below = `${prefix}/`;
  return (req, res, next) => (req.path === prefix || req.path.startsWith(below) ? handler(req, res, next) : next());
}

/** Skips `handler` for `/v1/secret/…`, the hot route, which it never answers. */
export function unlessSecretPath(handler: RequestHandler): RequestHandler {
  return (req, res, next) => (req.url.startsWith(SECRET_PATH_PREFIX) ? next() : handler(req, res, next));
}
