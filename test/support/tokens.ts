/** Pieces of a JWT, for tests that look for a token where it must not be. */
export function signatureOf(token: string): string {
  const signature = token.split('.')[2];
  if (!signature) throw new Error('not a JWT');
  return signature;
}

export function claimsOf(token: string): Record<string, unknown> {
  const payload = token.split('.')[1];
  if (!payload) throw new Error('not a JWT');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}
