/** The sweep job of the audit feature: events older than the retention, the anchor moving with them. */
import type { SweepJob } from '../sweeper/sweeper';
import type { AuditStorage } from './audit-storage';

export function auditRetentionJob(store: Pick<AuditStorage, 'purgeOlderThan'>, retentionMs: number): SweepJob {
  return { name: 'audit events', purgeBatch: (now, limit) => store.purgeOlderThan(now - retentionMs, limit) };
}
