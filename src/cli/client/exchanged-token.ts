/**
 * A token of this service held for a long-running command (the proxy):
 * exchanged for the CI job's ID token, and exchanged again when three
 * quarters of its life have passed, with a fresh ID token each time. A
 * failed refresh keeps the current token and tries again in 10 s.
 */
import type { IdTokenSource } from './id-token-sources';
import type { ExchangedToken, SecretsClient } from './secrets-client';

const RETRY_MS = 10_000;

/** Where an exchange's ID token comes from, and the trust rule it names (the most specific match decides when none is named). */
export interface ExchangeSource {
  readonly idToken: IdTokenSource;
  readonly rule?: string;
}

export async function exchangeOnce(client: Pick<SecretsClient, 'exchange'>, source: ExchangeSource): Promise<ExchangedToken> {
  return client.exchange(await source.idToken(), source.rule);
}

export class RefreshingToken {
  private token = '';
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly client: Pick<SecretsClient, 'exchange'>,
    private readonly source: ExchangeSource,
    private readonly onRefreshFailed: (error: unknown) => void,
  ) {}

  /** Exchanges once; fails as the exchange does, so a command can refuse to start. */
  async start(): Promise<void> {
    await this.renew();
  }

  current(): string {
    return this.token;
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private async renew(): Promise<void> {
    const exchanged = await exchangeOnce(this.client, this.source);
    this.token = exchanged.token;
    const lifetime = Date.parse(exchanged.expires) - Date.now();
    this.schedule(Math.max(1000, lifetime * 0.75));
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.renew().catch((error: unknown) => {
        this.onRefreshFailed(error);
        this.schedule(RETRY_MS);
      });
    }, delayMs).unref();
  }
}
