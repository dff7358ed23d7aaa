/** While writes cannot be made (the SQLite write thread is restarting), every write answers 503 at once. */
import type { NextFunction, Request, Response } from 'express';
import { Unavailable } from '../errors';

const WRITES = new Set(['PUT', 'POST', 'DELETE', 'PATCH']);

export function writesGate(writesAvailable: () => boolean) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (WRITES.has(req.method) && !writesAvailable()) throw new Unavailable('writes are paused while the database writer restarts');
    next();
  };
}
