/** Prometheus metrics. Labels carry routes, statuses and reasons; never a key, a value or a token. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { NOT_READY_REASONS, type Readiness } from '../storage/readiness-probe';

export class Metrics {
  readonly registry = new Registry();

  readonly requests = new Counter({
    name: 'scoped_secrets_http_requests_total',
    help: 'HTTP requests by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });

  readonly requestDuration = new Histogram({
    name: 'scoped_secrets_http_request_duration_seconds',
    help: 'HTTP request latency by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly secretsSwept = new Counter({
    name: 'scoped_secrets_secrets_swept_total',
    help: 'Expired secrets purged by the sweeper',
    registers: [this.registry],
  });

  readonly tokenVerifications = new Counter({
    name: 'scoped_secrets_token_verifications_total',
    help: 'Bearer token verifications by result',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly tokensMinted = new Counter({
    name: 'scoped_secrets_tokens_minted_total',
    help: 'Derived tokens minted through POST /v1/tokens',
    registers: [this.registry],
  });

  readonly revocations = new Counter({
    name: 'scoped_secrets_token_revocations_total',
    help: 'Token revocations accepted',
    registers: [this.registry],
  });

  readonly wraps = new Counter({
    name: 'scoped_secrets_wraps_total',
    help: 'Wrap tokens by event: created, unwrapped, unwrap_failed (unknown, used or expired), expired (purged unused)',
    labelNames: ['event'] as const,
    registers: [this.registry],
  });

  readonly leases = new Counter({
    name: 'scoped_secrets_leases_total',
    help: 'Dynamic-secret leases by event: drawn, renewed, revoked (the credential is gone), failed (a revocation attempt failed; retried)',
    labelNames: ['event'] as const,
    registers: [this.registry],
  });

  readonly denials = new Counter({
    name: 'scoped_secrets_denials_total',
    help: 'Denied requests by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  /** Gauges of why this replica is not ready (1 for each reason that holds) and of the SQLite filesystem's free bytes. */
  watchReadiness(current: () => Readiness): void {
    new Gauge({
      name: 'scoped_secrets_not_ready',
      help: 'Why this replica is not ready: 1 for each reason that holds (database_unreachable, not_migrated, disk_full, writer_down)',
      labelNames: ['reason'] as const,
      registers: [this.registry],
      collect() {
        const { reasons } = current();
        for (const reason of NOT_READY_REASONS) this.set({ reason }, reasons.includes(reason) ? 1 : 0);
      },
    });
    new Gauge({
      name: 'scoped_secrets_storage_free_bytes',
      help: 'Bytes left on the filesystem of the SQLite database (absent on PostgreSQL)',
      registers: [this.registry],
      collect() {
        const { freeBytes } = current();
        if (freeBytes !== undefined) this.set(freeBytes);
      },
    });
  }

  constructor(countLiveSecrets?: () => Promise<number>) {
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 1 });
    if (countLiveSecrets) {
      new Gauge({
        name: 'scoped_secrets_secrets_stored',
        help: 'Secrets stored and not expired',
        registers: [this.registry],
        async collect() {
          this.set(await countLiveSecrets());
        },
      });
    }
  }
}
