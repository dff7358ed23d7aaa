/**
 * The keys tokens are verified and signed with. The accepted algorithms
 * are exactly those of the configured keys: HS256 for the shared secret,
 * RS256, ES256 (P-256) or EdDSA (Ed25519) for public keys, never `none`.
 */
import { createHash, createPrivateKey, createPublicKey, createSecretKey, type JsonWebKey, type KeyObject } from 'node:crypto';

export type TokenAlgorithm = 'HS256' | 'RS256' | 'ES256' | 'EdDSA';

export interface VerificationKey {
  readonly algorithm: TokenAlgorithm;
  readonly key: KeyObject;
  /** Every public key has one: its JWKS `kid`, or its RFC 7638 thumbprint. The shared secret has none. */
  readonly kid?: string;
}

export interface SigningKey {
  readonly algorithm: TokenAlgorithm;
  readonly key: KeyObject;
  /** The `kid` its tokens carry: that of its public half among the verification keys. */
  readonly kid?: string;
}

/** The members RFC 7638 hashes, per key type, in the lexical order it asks for. */
const THUMBPRINT_MEMBERS: Record<string, readonly string[]> = {
  EC: ['crv', 'kty', 'x', 'y'],
  RSA: ['e', 'kty', 'n'],
  OKP: ['crv', 'kty', 'x'],
};

/** The public JWK of a public or private key, with only the members RFC 7638 hashes, in its order: never a private member. */
export function publicJwk(key: KeyObject): JsonWebKey {
  const jwk = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'jwk' });
  const members = THUMBPRINT_MEMBERS[jwk.kty ?? ''];
  if (!members) throw new KeyFileError(`unsupported key type ${jwk.kty ?? '?'}`);
  return Object.fromEntries(members.map((name) => [name, jwk[name as keyof JsonWebKey]]));
}

/** The RFC 7638 JWK thumbprint (SHA-256, base64url): a key's name that anyone holding its public half can compute. */
export function jwkThumbprint(key: KeyObject): string {
  return createHash('sha256')
    .update(JSON.stringify(publicJwk(key)))
    .digest('base64url');
}

export class KeyFileError extends Error {}

/** A KeyObject, not a string: jsonwebtoken would first try to parse a string as a PEM key. */
export function hmacKey(secret: string): VerificationKey {
  return { algorithm: 'HS256', key: createSecretKey(Buffer.from(secret, 'utf8')) };
}

export function algorithmForKey(key: KeyObject): TokenAlgorithm {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return 'RS256';
    case 'ec':
      if (key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
      throw new KeyFileError('only the P-256 curve (ES256) is supported for EC keys');
    case 'ed25519':
      return 'EdDSA';
    default:
      throw new KeyFileError(`unsupported key type ${key.asymmetricKeyType ?? key.type}`);
  }
}

const PEM_BLOCK = /-----BEGIN [A-Z ]+-----[\s\S]+?-----END [A-Z ]+-----/g;

/** Public keys from a PEM file (one or more keys or certificates) or a JWKS document. */
export function parsePublicKeys(text: string): VerificationKey[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) return parseJwks(trimmed);
  const blocks = trimmed.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) throw new KeyFileError('no PEM block and not a JWKS document');
  return blocks.map((pem) => {
    const key = createPublicKey(pem);
    return { algorithm: algorithmForKey(key), key, kid: jwkThumbprint(key) };
  });
}

function parseJwks(text: string): VerificationKey[] {
  let doc: { keys?: unknown };
  try {
    doc = JSON.parse(text) as { keys?: unknown };
  } catch {
    throw new KeyFileError('not valid JSON');
  }
  if (!Array.isArray(doc.keys) || doc.keys.length === 0) throw new KeyFileError('a JWKS needs a non-empty "keys" array');
  return doc.keys.map((jwk: JsonWebKey & { kid?: string; alg?: string }) => {
    const key = createPublicKey({ key: jwk, format: 'jwk' });
    if (key.type !== 'public') throw new KeyFileError('a JWKS may only hold public keys');
    const algorithm = algorithmForKey(key);
    if (jwk.alg !== undefined && jwk.alg !== algorithm)
      throw new KeyFileError(`key ${jwk.kid ?? ''} says alg ${jwk.alg}, expected ${algorithm}`);
    return { algorithm, key, kid: typeof jwk.kid === 'string' ? jwk.kid : jwkThumbprint(key) };
  });
}

/** A private key from PEM text, named by its thumbprint until the verification keys say otherwise. */
export function parsePrivateKey(pem: string): SigningKey {
  const key = createPrivateKey(pem);
  return { algorithm: algorithmForKey(key), key, kid: jwkThumbprint(key) };
}

/** The verification key that is `signing`'s public half, if any. */
export function publicHalfAmong(signing: SigningKey, keys: readonly VerificationKey[]): VerificationKey | undefined {
  if (signing.key.type !== 'private') return undefined;
  const der = createPublicKey(signing.key).export({ format: 'der', type: 'spki' });
  return keys.find((candidate) => candidate.key.type === 'public' && candidate.key.export({ format: 'der', type: 'spki' }).equals(der));
}
