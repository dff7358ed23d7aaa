/** Trust rules in memory, with a version that every write moves. */
import type { AuditEventInput } from '../../audit/audit-event';
import type { TrustRule } from '../../federation/trust-rules';
import type { TrustStorage } from '../../federation/trust-storage';
import type { MemoryAudit } from './memory-audit';

export class MemoryTrust implements TrustStorage {
  private readonly rules = new Map<string, TrustRule>();
  private writes = 0;

  constructor(private readonly audit: Pick<MemoryAudit, 'stage'>) {}

  async putRule(rule: TrustRule, _now: number, event: AuditEventInput): Promise<boolean> {
    const created = !this.rules.has(rule.name);
    this.rules.set(rule.name, rule);
    this.writes++;
    this.audit.stage([{ ...event, outcome: created ? 201 : 200 }]);
    return created;
  }

  async deleteRule(name: string, event: AuditEventInput): Promise<boolean> {
    if (!this.rules.delete(name)) return false;
    this.writes++;
    this.audit.stage([event]);
    return true;
  }

  async all(): Promise<TrustRule[]> {
    return [...this.rules.keys()].sort().flatMap((name) => this.rules.get(name) ?? []);
  }

  async find(name: string): Promise<TrustRule | undefined> {
    return this.rules.get(name);
  }

  async version(): Promise<string> {
    return String(this.writes);
  }
}
