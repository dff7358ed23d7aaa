/** Every refused request is counted once in scoped_secrets_denials_total, under the reason of its error. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { sqlite } from '../support/databases';
import { useTestService } from '../support/service';

describe('denial metrics', () => {
  const svc = useTestService(sqlite);

  const denials = async (): Promise<Record<string, number>> => {
    const text = (await request(svc.app).get('/metrics')).text;
    const counts: Record<string, number> = {};
    for (const [, reason, value] of text.matchAll(/^scoped_secrets_denials_total\{reason="([a-z_]+)"\} (\d+)$/gm))
      counts[reason ?? ''] = Number(value);
    return counts;
  };

  const CASES: Array<[string, () => request.Test, string]> = [
    ['no token', () => request(svc.app).get('/v1/whoami'), 'no_token'],
    ['a forged token', () => request(svc.app).get('/v1/whoami').set('Authorization', 'Bearer not.a.token'), 'invalid_token'],
    [
      'a read without its scope',
      () =>
        request(svc.app)
          .get('/v1/secret/ci/x')
          .set('Authorization', `Bearer ${svc.token(['secret:get:prod/*'])}`),
      'insufficient_scopes',
    ],
    [
      'an audit read without audit:read:**',
      () =>
        request(svc.app)
          .get('/v1/audit')
          .set('Authorization', `Bearer ${svc.token(['audit:read:ci/*'])}`),
      'insufficient_scopes',
    ],
    [
      'a token for another subject without token:create',
      () =>
        request(svc.app)
          .post('/v1/tokens')
          .set('Authorization', `Bearer ${svc.token(['secret:get:**'])}`)
          .send({ subject: 'other', scopes: [], ttl: 60 }),
      'insufficient_scopes',
    ],
    [
      'a derived scope the caller does not cover',
      () =>
        request(svc.app)
          .post('/v1/tokens')
          .set('Authorization', `Bearer ${svc.token(['secret:get:ci/*'])}`)
          .send({ scopes: ['secret:get:**'], ttl: 60 }),
      'scope_escalation',
    ],
    [
      "a revocation of someone else's token",
      () =>
        request(svc.app)
          .post('/v1/tokens/revoke')
          .set('Authorization', `Bearer ${svc.token([])}`)
          .send({ jti: 'someone-elses' }),
      'insufficient_scopes',
    ],
  ];

  for (const [what, send, reason] of CASES) {
    it(`counts ${what} once, as ${reason}`, async () => {
      const before = await denials();
      const res = await send();
      assert.ok(res.status === 401 || res.status === 403, `status ${res.status}`);
      const after = await denials();
      for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
        assert.equal((after[name] ?? 0) - (before[name] ?? 0), name === reason ? 1 : 0, name);
      }
    });
  }
});
