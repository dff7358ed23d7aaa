/**
 * One serving process: the app on a port, the sweeper when this process
 * owns it, and an orderly shutdown on SIGTERM or SIGINT: stop accepting,
 * finish in-flight requests, stop the sweeper, close the database, exit 0.
 */
import type { RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { buildApp } from '../app';
import { systemClock } from '../common/clock';
import type { Config } from '../config';
import { createServices } from '../deps';
import { expressMessageClasses } from '../http/express-messages';
import { loadOpenApiDocument } from '../http/openapi';
import { createHttpServer, DEFAULT_TIMEOUTS } from './create-server';
import { openKeyringForServe } from '../keyring/open-keyring';
import { sealedApp } from './sealed-app';
import { announceSigning } from './signing-notices';

/** Longest a shutdown waits for in-flight requests before closing them. */
const DRAIN_TIMEOUT_MS = 10_000;

export async function runHttpServer(config: Config, logger: Logger, options: { sweeper: boolean; flushLogs: () => void }): Promise<void> {
  // Until the keyring opens, the sealed app answers: /healthz up, everything else 503.
  let handler: RequestListener = sealedApp();
  // Requests and responses born with the app's prototypes (see express-messages.ts).
  const messages = expressMessageClasses();
  const server = createHttpServer(
    (req, res) => handler(req, res),
    DEFAULT_TIMEOUTS,
    {
      limits: { total: config.maxConnections, perAddress: config.maxConnectionsPerAddress },
      logger: logger.child({ component: 'connections' }),
    },
    messages,
  );
  let url: string | undefined;
  const listen = async (): Promise<void> => {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, resolve);
    });
    const { address, port } = server.address() as AddressInfo;
    url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  };

  // A keyring that opens at once is served as soon as the port is open; one
  // that waits for its HSM or KMS is served sealed meanwhile, /readyz red.
  const keyring = await openKeyringForServe(config, logger, async () => {
    await listen();
    logger.warn({ url }, `listening on ${url} while the keyring is sealed: /readyz answers 503 until it opens`);
    process.stderr.write(
      `scoped-secrets: listening on ${url} (pid ${process.pid}); the keyring is still sealed, so every request but /healthz gets 503 until it opens\n`,
    );
  });
  const services = await createServices(config, systemClock, logger, keyring);
  const say = (line: string) => void process.stderr.write(`scoped-secrets: ${line}\n`);
  await announceSigning(config, services, say, (line) => {
    // Once per start, from the process that runs the sweeper, however many workers serve.
    if (!options.sweeper) return;
    logger.warn(line);
    say(`warning: ${line}`);
  });
  services.keyring.watch();
  services.signingKeys.start();
  services.revocations.start();
  services.trustRules.start();
  handler = buildApp({
    ...services,
    logger,
    openApiDocument: loadOpenApiDocument(),
    maxBodyBytes: config.maxSecretBytes,
    metricsToken: config.metricsToken,
    messages,
  });
  const wasSealed = url !== undefined;
  if (!wasSealed) await listen();
  logger.info({ url, pid: process.pid }, wasSealed ? `the keyring is unsealed: serving on ${url}` : `listening on ${url}`);
  // Also on stderr in plain words, whatever the log level, for operators and scripts waiting on start-up.
  process.stderr.write(
    `scoped-secrets: ${wasSealed ? 'the keyring is unsealed: serving on' : 'listening on'} ${url} (pid ${process.pid})\n`,
  );
  if (options.sweeper) {
    services.sweeper.start(config.sweepIntervalMs);
    services.auditHeads.start(config.sweepIntervalMs);
    // Leases are revoked when they expire, not at the next sweep: checked every second, or more often when the sweep is.
    services.leaseRevoker.start(Math.min(config.sweepIntervalMs, 1000));
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const drained = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const force = setTimeout(() => server.closeAllConnections(), DRAIN_TIMEOUT_MS).unref();
    await drained;
    clearTimeout(force);
    await services.close();
    logger.info('stopped');
    options.flushLogs();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
