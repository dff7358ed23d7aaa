/**
 * ECDSA P-256 signing of a digest that is given, not hashed again: what KMS
 * does for `Sign` with `MessageType: DIGEST`, and what node:crypto cannot
 * (its `sign` always hashes). For the KMS stand-in only: plain BigInt
 * arithmetic, not constant-time, never for real keys.
 */
import { randomBytes, type KeyObject } from 'node:crypto';

const P = 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n;
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const G = {
  x: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
  y: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
};

/** A point in Jacobian coordinates (x = X/Z², y = Y/Z³): one inversion per multiplication instead of one per addition. */
type Jacobian = { x: bigint; y: bigint; z: bigint };
const INFINITY: Jacobian = { x: 1n, y: 1n, z: 0n };

const mod = (value: bigint, m: bigint) => ((value % m) + m) % m;

function power(base: bigint, exponent: bigint, m: bigint): bigint {
  let result = 1n;
  let b = mod(base, m);
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
  }
  return result;
}

const inverse = (value: bigint, m: bigint) => power(value, m - 2n, m);

/** Doubling for a = -3, as P-256 has. */
function double(a: Jacobian): Jacobian {
  if (a.z === 0n || a.y === 0n) return INFINITY;
  const delta = (a.z * a.z) % P;
  const gamma = (a.y * a.y) % P;
  const beta = (a.x * gamma) % P;
  const alpha = mod(3n * (a.x - delta) * (a.x + delta), P);
  const x = mod(alpha * alpha - 8n * beta, P);
  const z = mod((a.y + a.z) ** 2n - gamma - delta, P);
  const y = mod(alpha * (4n * beta - x) - 8n * gamma * gamma, P);
  return { x, y, z };
}

function add(a: Jacobian, b: Jacobian): Jacobian {
  if (a.z === 0n) return b;
  if (b.z === 0n) return a;
  const z1z1 = (a.z * a.z) % P;
  const z2z2 = (b.z * b.z) % P;
  const u1 = (a.x * z2z2) % P;
  const u2 = (b.x * z1z1) % P;
  const s1 = (a.y * b.z * z2z2) % P;
  const s2 = (b.y * a.z * z1z1) % P;
  const h = mod(u2 - u1, P);
  const r = mod(s2 - s1, P);
  if (h === 0n) return r === 0n ? double(a) : INFINITY;
  const h2 = (h * h) % P;
  const h3 = (h * h2) % P;
  const u1h2 = (u1 * h2) % P;
  const x = mod(r * r - h3 - 2n * u1h2, P);
  return { x, y: mod(r * (u1h2 - x) - s1 * h3, P), z: (a.z * b.z * h) % P };
}

/** k·G, back in affine coordinates; null for the point at infinity. */
function multiplyBase(k: bigint): { x: bigint; y: bigint } | null {
  let result = INFINITY;
  let addend: Jacobian = { x: G.x, y: G.y, z: 1n };
  for (let e = k; e > 0n; e >>= 1n) {
    if (e & 1n) result = add(result, addend);
    addend = double(addend);
  }
  if (result.z === 0n) return null;
  const zInverse = inverse(result.z, P);
  const zInverse2 = (zInverse * zInverse) % P;
  return { x: (result.x * zInverse2) % P, y: (result.y * zInverse2 * zInverse) % P };
}

const toBigInt = (bytes: Uint8Array) => BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);

function derInteger(value: bigint): Buffer {
  let bytes = Buffer.from(value.toString(16).padStart(64, '0'), 'hex');
  while (bytes.length > 1 && bytes[0] === 0 && ((bytes[1] ?? 0) & 0x80) === 0) bytes = bytes.subarray(1);
  if (((bytes[0] ?? 0) & 0x80) !== 0) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}

/** A DER-encoded ECDSA signature of a SHA-256 digest, with a P-256 private key. */
export function signDigestP256(digest: Uint8Array, privateKey: KeyObject): Buffer {
  const d = toBigInt(Buffer.from(privateKey.export({ format: 'jwk' }).d ?? '', 'base64url'));
  const z = toBigInt(digest);
  for (;;) {
    const k = mod(toBigInt(randomBytes(40)), N - 1n) + 1n;
    const point = multiplyBase(k);
    if (point === null) continue;
    const r = mod(point.x, N);
    const s = mod(inverse(k, N) * (z + r * d), N);
    if (r === 0n || s === 0n) continue;
    const body = Buffer.concat([derInteger(r), derInteger(s)]);
    return Buffer.concat([Buffer.from([0x30, body.length]), body]);
  }
}
