/** The trust_rules table and its version through knex, on either database. */
import type { Knex } from 'knex';
import type { AuditEventInput } from '../../audit/audit-event';
import type { TrustRule, TrustRuleBody } from '../../federation/trust-rules';
import type { TrustStorage } from '../../federation/trust-storage';
import { stageEvents } from './audit-outbox';
import type { KnexDialect } from './knex-dialect';
import { inTransaction } from './transactions';

interface RuleRow {
  name: string;
  body: string;
  updated_at: number | string;
}

const VERSION = 'trust_rules_version';

function ruleOf(row: RuleRow): TrustRule {
  return { ...(JSON.parse(row.body) as TrustRuleBody), name: row.name };
}

export class KnexTrustStorage implements TrustStorage {
  constructor(
    private readonly knex: Knex,
    private readonly dialect: KnexDialect,
  ) {}

  putRule(rule: TrustRule, now: number, event: AuditEventInput): Promise<boolean> {
    return inTransaction(this.knex, async (trx) => {
      const created = await this.put(rule, now, trx);
      await stageEvents(trx, [{ ...event, outcome: created ? 201 : 200 }]);
      return created;
    });
  }

  deleteRule(name: string, event: AuditEventInput): Promise<boolean> {
    return inTransaction(this.knex, async (trx) => {
      const deleted = await this.remove(name, trx);
      if (deleted) await stageEvents(trx, [event]);
      return deleted;
    });
  }

  async all(): Promise<TrustRule[]> {
    const rows = await this.knex<RuleRow>('trust_rules').select('name', 'body', 'updated_at').orderBy('name');
    return rows.map(ruleOf);
  }

  async find(name: string): Promise<TrustRule | undefined> {
    const row = await this.knex<RuleRow>('trust_rules').select('name', 'body', 'updated_at').where('name', name).first();
    return row ? ruleOf(row) : undefined;
  }

  /** Bumped by every write: a replica reloads the rules when it moved. */
  async version(): Promise<string> {
    const row = await this.knex<{ name: string; value: string }>('service_meta').select('value').where('name', VERSION).first();
    return row?.value ?? '0';
  }

  /** Creates or replaces; true when it created. */
  private async put(rule: TrustRule, now: number, trx: Knex.Transaction): Promise<boolean> {
    const { name, ...body } = rule;
    const row = { name, body: JSON.stringify(body), updated_at: now };
    // Whether it existed, then the write, in one transaction.
    const existed = (await this.dialect.forUpdate(trx('trust_rules').where('name', name)).first('name')) !== undefined;
    await trx('trust_rules').insert(row).onConflict('name').merge(['body', 'updated_at']);
    await this.bump(trx);
    return !existed;
  }

  /** True when there was a rule to delete. */
  private async remove(name: string, trx: Knex.Transaction): Promise<boolean> {
    const deleted = await trx('trust_rules').where('name', name).delete();
    if (deleted > 0) await this.bump(trx);
    return deleted > 0;
  }

  private async bump(trx: Knex.Transaction): Promise<void> {
    await trx('service_meta')
      .where('name', VERSION)
      .update({ value: trx.raw('CAST(CAST(value AS INTEGER) + 1 AS TEXT)') });
  }
}
