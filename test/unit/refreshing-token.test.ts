/** The proxy's exchanged token: exchanged again before it expires, with the ID token the file holds by then. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { RefreshingToken } from '../../src/cli/client/exchanged-token';
import { idTokenFromFile } from '../../src/cli/client/id-token-sources';
import type { ExchangedToken } from '../../src/cli/client/secrets-client';
import { tempDir } from '../support/databases';
import { waitFor } from '../support/processes';

describe('RefreshingToken', () => {
  it("exchanges at three quarters of the token's life, reading a rotated ID token file", async () => {
    const file = path.join(tempDir(), 'id.token');
    fs.writeFileSync(file, 'id-token-1');
    const seen: string[] = [];
    // The service's side of the exchange: a token living 400 ms for each ID token.
    const service = {
      exchange: (idToken: string): Promise<ExchangedToken> => {
        seen.push(idToken);
        return Promise.resolve({
          token: `token-for-${idToken}`,
          jti: 'j',
          subject: 's',
          scopes: [],
          rules: ['r'],
          expires: new Date(Date.now() + 400).toISOString(),
        });
      },
    };
    const failures: unknown[] = [];
    const held = new RefreshingToken(service, { idToken: idTokenFromFile(file) }, (error) => failures.push(error));
    await held.start();
    assert.equal(held.current(), 'token-for-id-token-1');
    // Rotated as the kubelet does: a new file renamed into place.
    fs.writeFileSync(`${file}.new`, 'id-token-2');
    fs.renameSync(`${file}.new`, file);
    await waitFor(
      async () => (held.current() === 'token-for-id-token-2' ? true : undefined),
      30_000,
      'the token exchanged for the rotated ID token',
    );
    held.stop();
    assert.equal(seen[0], 'id-token-1');
    assert.ok(seen.length >= 2 && seen.slice(1).every((token) => token === 'id-token-2'), seen.join(','));
    assert.deepEqual(failures, []);
  });
});
