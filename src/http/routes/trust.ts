/**
 * Trust rules (PUT, GET and DELETE /v1/trust/{name}, GET /v1/trust) with
 * the trust:* scopes, and POST /v1/tokens/exchange, whose credential is the
 * CI provider's ID token in the body. No token of either kind is logged,
 * audited or echoed.
 */
import { Router, type Request, type Response } from 'express';
import type { TrustRule, TrustRuleBody } from '../../federation/trust-rules';
import { ISSUERS_PATH_NAME, type TrustService } from '../../federation/trust-service';
import { InvalidRequest } from '../../errors';
import { keyProblem } from '../../secrets/secret-key';
import type { Metrics } from '../metrics';
import { keyOf, locals, principalOf } from '../locals';
import type { RequestAuditor } from '../request-auditor';
import { secured } from '../secured-route';
import { issuedTokenBody } from './tokens';

function ruleBody(rule: TrustRule) {
  return {
    name: rule.name,
    issuer: rule.issuer,
    claims: rule.claims,
    scopes: rule.scopes,
    ...(rule.subject === undefined ? {} : { subject: rule.subject }),
    ttl: rule.ttl,
    ...(rule.description === undefined ? {} : { description: rule.description }),
  };
}

export function trustRoutes(deps: { trust: TrustService; auditor: RequestAuditor; metrics: Metrics }): Router {
  const { trust, auditor, metrics } = deps;
  const router = Router({ caseSensitive: true, strict: true });

  // Before /v1/trust/:name, which would read it as a rule's name (one that no rule may take).
  router.get(
    `/v1/trust/${ISSUERS_PATH_NAME}`,
    secured({
      parse: () => undefined,
      // Whoever may read or write any trust rule needs to know the issuers rules can name.
      scopes: (_request, caller) =>
        caller.grants.targetsFor('trust', 'get').length + caller.grants.targetsFor('trust', 'set').length > 0
          ? []
          : [['trust', 'get', '*']],
      handle(_request, _req, res) {
        res.json({ issuers: trust.issuers() });
      },
    }),
  );

  router.put(
    '/v1/trust/:name',
    secured({
      audit: (_req, res) => ['trust.set', keyOf(res)],
      parse: (req, res) => {
        const body = req.body as TrustRuleBody;
        return trust.checkRule({
          name: keyOf(res),
          issuer: body.issuer,
          claims: body.claims,
          scopes: body.scopes,
          ttl: body.ttl,
          ...(body.subject === undefined ? {} : { subject: body.subject }),
          ...(body.description === undefined ? {} : { description: body.description }),
        });
      },
      scopes: (rule) => [['trust', 'set', rule.name]],
      async handle(rule, req, res) {
        const created = await trust.put(principalOf(res), rule, auditor.actor(req, res));
        auditor.committedWithWrite(res);
        res.status(created ? 201 : 200).json(ruleBody(rule));
      },
    }),
  );

  router.get(
    '/v1/trust/:name',
    secured({
      parse: (_req, res) => keyOf(res),
      scopes: (name) => [['trust', 'get', name]],
      async handle(name, _req, res) {
        res.json(ruleBody(await trust.get(name)));
      },
    }),
  );

  router.delete(
    '/v1/trust/:name',
    secured({
      audit: (_req, res) => ['trust.delete', keyOf(res)],
      parse: (_req, res) => keyOf(res),
      scopes: (name) => [['trust', 'delete', name]],
      async handle(name, req, res) {
        await trust.delete(name, auditor.actor(req, res));
        auditor.committedWithWrite(res);
        res.status(204).end();
      },
    }),
  );

  router.get(
    '/v1/trust',
    secured({
      parse: () => undefined,
      // Any valid token: the list holds only the rules the caller may get.
      scopes: () => [],
      async handle(_request, _req, res) {
        res.json({ rules: (await trust.list(principalOf(res))).map(ruleBody) });
      },
    }),
  );

  router.post('/v1/tokens/exchange', async (req: Request, res: Response) => {
    // Failures are audited when the response finishes; a success commits its event with the token's record.
    locals(res).audit = { action: 'token.exchange', key: null };
    const body = req.body as { token: string; rule?: string };
    const problem = body.rule === undefined ? undefined : keyProblem(body.rule);
    if (problem) throw new InvalidRequest(`rule: ${problem}`);
    const exchanged = await trust.exchange(body.token, body.rule, auditor.actor(req, res));
    auditor.committedWithWrite(res);
    metrics.tokensMinted.inc();
    res.status(201).json({ ...issuedTokenBody(exchanged), rules: exchanged.rules });
  });

  return router;
}
