/** DER ECDSA signatures, as KMS and HSMs return them, turned into the r‖s a JWS carries. */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import { derToJose, SignatureFormatError } from '../../src/tokens/ecdsa-der';

describe('derToJose', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

  it('gives 64 bytes that verify as IEEE P1363, whatever the lengths of r and s (400 signatures)', () => {
    for (let n = 0; n < 400; n++) {
      const message = randomBytes(20);
      const der = sign('sha256', message, privateKey);
      const jose = derToJose(der);
      assert.equal(jose.length, 64);
      assert.ok(verify('sha256', message, { key: publicKey, dsaEncoding: 'ieee-p1363' }, jose));
    }
  });

  it('refuses what is not one DER SEQUENCE of two INTEGERs that fit the curve', () => {
    const der = sign('sha256', Buffer.from('x'), privateKey);
    for (const bad of [
      Buffer.alloc(0),
      Buffer.from([0x31, 0x00]),
      Buffer.concat([der, Buffer.from([0])]),
      der.subarray(0, der.length - 1),
      Buffer.from([0x30, 0x06, 0x02, 0x01, 0x01, 0x03, 0x01, 0x01]),
      Buffer.concat([Buffer.from([0x30, 0x26, 0x02, 0x21, 0x01]), Buffer.alloc(32, 1), Buffer.from([0x02, 0x01, 0x01])]),
    ]) {
      assert.throws(() => derToJose(bad), SignatureFormatError, bad.toString('hex'));
    }
  });
});
