/**
 * ECDSA signatures as KMS and PKCS#11 HSMs return them (DER: a SEQUENCE of
 * two INTEGERs, r and s) turned into the form a JWS carries (RFC 7518
 * section 3.4: r and s as fixed-length big-endian numbers, one after the
 * other). Pure: no I/O.
 */
export class SignatureFormatError extends Error {}

function readLength(der: Uint8Array, at: number): { length: number; next: number } {
  const first = der[at];
  if (first === undefined) throw new SignatureFormatError('the signature ends early');
  if (first < 0x80) return { length: first, next: at + 1 };
  const bytes = first & 0x7f;
  if (bytes !== 1) throw new SignatureFormatError('the signature has a length it cannot have');
  const length = der[at + 1];
  if (length === undefined) throw new SignatureFormatError('the signature ends early');
  return { length, next: at + 2 };
}

function readInteger(der: Uint8Array, at: number, size: number): { value: Buffer; next: number } {
  if (der[at] !== 0x02) throw new SignatureFormatError('expected an INTEGER in the signature');
  const { length, next } = readLength(der, at + 1);
  let value = Buffer.from(der.subarray(next, next + length));
  if (value.length !== length) throw new SignatureFormatError('the signature ends early');
  // DER adds a zero byte before a number whose top bit is set, and keeps no other leading zeros.
  while (value.length > size && value[0] === 0) value = value.subarray(1);
  if (value.length > size) throw new SignatureFormatError('a signature number is too long for the curve');
  return { value: Buffer.concat([Buffer.alloc(size - value.length), value]), next: next + length };
}

/** r‖s, each `size` bytes (32 for P-256), from a DER-encoded ECDSA signature. */
export function derToJose(der: Uint8Array, size = 32): Buffer {
  if (der[0] !== 0x30) throw new SignatureFormatError('expected a SEQUENCE');
  const { length, next } = readLength(der, 1);
  if (next + length !== der.length) throw new SignatureFormatError('the signature has bytes past its end');
  const r = readInteger(der, next, size);
  const s = readInteger(der, r.next, size);
  if (s.next !== der.length) throw new SignatureFormatError('the signature has bytes past its end');
  return Buffer.concat([r.value, s.value]);
}
