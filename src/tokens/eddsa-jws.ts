/** EdDSA (Ed25519) JWS, which jsonwebtoken does not implement; node:crypto does the signing. */
import { sign, verify, type KeyObject } from 'node:crypto';

export function signEdDsa(payload: object, privateKey: KeyObject, kid?: string): string {
  const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', typ: 'JWT', ...(kid === undefined ? {} : { kid }) })).toString('base64url');
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const signature = sign(null, Buffer.from(`${header}.${body}`), privateKey).toString('base64url');
  return `${header}.${body}.${signature}`;
}

/** The decoded payload when the signature holds, else undefined. */
export function verifyEdDsa(token: string, publicKey: KeyObject): unknown {
  const [header, body, signature] = token.split('.');
  if (header === undefined || body === undefined || signature === undefined) return undefined;
  const signed = Buffer.from(`${header}.${body}`);
  if (!verify(null, signed, publicKey, Buffer.from(signature, 'base64url'))) return undefined;
  try {
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}
