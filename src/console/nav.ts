/** Moving between views: the hash is the route, so the back button works. */
export function navigate(hash: string): void {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = hash;
}

export function secretHash(key: string): string {
  return `#/secret/${encodeURIComponent(key)}`;
}

export function prefixHash(prefix: string): string {
  return prefix === '' ? '#/secrets' : `#/secrets?prefix=${encodeURIComponent(prefix)}`;
}
