/**
 * The client the server hands out: GET /cli/scoped-secrets.mjs, the
 * command line's client commands in one ES module for plain node. Open to
 * anyone, as the code is no secret; its ETag is the SHA-256 of its bytes,
 * which `scoped-secrets --version --verbose` prints on the server host, so
 * that whoever downloads it can check what they got.
 */
import { Router, type Response } from 'express';
import { MethodNotAllowed, NotFound } from '../../errors';
import { locals } from '../locals';
import { clientFile, readClientBundle, type ClientBundle } from '../../common/client-bundle';

function send(res: Response, bundle: ClientBundle, withBody: boolean, ifNoneMatch: string | undefined): void {
  const etag = `"sha256-${bundle.sha256}"`;
  res.set({
    'Content-Type': 'text/javascript; charset=utf-8',
    ETag: etag,
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    'Content-Disposition': 'attachment; filename="scoped-secrets.mjs"',
  });
  if (ifNoneMatch?.split(',').some((tag) => tag.trim() === etag)) {
    res.status(304).end();
    return;
  }
  res.set('Content-Length', String(bundle.bytes.length));
  res.status(200).end(withBody ? bundle.bytes : undefined);
}

export function clientDownloadRoutes(file = clientFile()): Router {
  const router = Router({ caseSensitive: true, strict: true });
  let bundle: Promise<ClientBundle | undefined> | undefined;
  router.all('/cli/scoped-secrets.mjs', async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new MethodNotAllowed('GET, HEAD');
    const found = await (bundle ??= readClientBundle(file));
    // A build without its client (npm run build makes it) has no such route.
    if (!found) throw new NotFound();
    send(res, found, req.method === 'GET', locals(res).ifNoneMatch);
  });
  return router;
}
