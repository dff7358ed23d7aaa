/**
 * RFC 8288 pagination beside the continuation token: `Link: <…>; rel="next"`,
 * the same request with the next page's token, as generic HTTP clients and
 * tools follow it. A relative reference: it resolves against the request's
 * own address, whatever proxy the caller reached us through.
 */
import type { Request, Response } from 'express';

export function setNextLink(req: Request, res: Response, continuationToken: string | undefined): void {
  if (continuationToken === undefined) return;
  const next = new URL(req.originalUrl, 'http://relative.invalid');
  next.searchParams.set('continuationToken', continuationToken);
  res.set('Link', `<${next.pathname}${next.search}>; rel="next"`);
}
