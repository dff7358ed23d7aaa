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

type Point = { x: bigint; y: bigint } | null;

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

function add(a: Point, b: Point): Point {
  if (a === null) return b;
  if (b === null) return a;
  if (a.x === b.x && mod(a.y + b.y, P) === 0n) return null;
  const slope =
    a.x === b.x && a.y === b.y ? mod((3n * a.x * a.x - 3n) * inverse(2n * a.y, P), P) : mod((b.y - a.y) * inverse(b.x - a.x, P), P);
  const x = mod(slope * slope - a.x - b.x, P);
  return { x, y: mod(slope * (a.x - x) - a.y, P) };
}

function multiply(k: bigint, point: Point): Point {
  let result: Point = null;
  let addend = point;
  for (let e = k; e > 0n; e >>= 1n) {
    if (e & 1n) result = add(result, addend);
    addend = add(addend, addend);
  }
  return result;
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
    const point = multiply(k, G);
    if (point === null) continue;
    const r = mod(point.x, N);
    const s = mod(inverse(k, N) * (z + r * d), N);
    if (r === 0n || s === 0n) continue;
    const body = Buffer.concat([derInteger(r), derInteger(s)]);
    return Buffer.concat([Buffer.from([0x30, body.length]), body]);
  }
}
