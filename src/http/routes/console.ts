/**
 * The admin console's files at /ui/: a static page built from src/console,
 * which talks to the public /v1 API like any client. Every answer under
 * /ui carries a strict Content-Security-Policy: scripts and styles from
 * this origin only, nothing inline, no framing.
 */
import path from 'node:path';
import express, { Router } from 'express';

export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Where `npm run build` puts the console: dist/console, beside dist/src. */
export const CONSOLE_DIR = path.resolve(__dirname, '..', '..', '..', 'console');

export function consoleRoutes(dir = CONSOLE_DIR): Router {
  const router = Router({ caseSensitive: true, strict: true });
  router.use('/ui', (_req, res, next) => {
    res.set({
      'Content-Security-Policy': CONSOLE_CSP,
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
    });
    next();
  });
  router.get('/ui', (_req, res) => res.redirect(301, '/ui/'));
  router.use(
    '/ui',
    express.static(dir, { index: 'index.html', dotfiles: 'deny', redirect: false, etag: false, lastModified: false, cacheControl: false }),
  );
  return router;
}
