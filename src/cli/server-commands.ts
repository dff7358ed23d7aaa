/** serve, migrate and sweep: the commands that run on the server side. */
// Heavy modules load inside each action, so that client commands start fast.
import type { Command } from 'commander';
import { systemClock } from '../clock';
import { loadConfig } from '../config';

/** Command-line flags win over the environment, and are checked the same way. */
function envWith(overrides: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const [name, value] of Object.entries(overrides)) if (value !== undefined) env[name] = value;
  return env;
}

export function registerServerCommands(program: Command): void {
  program
    .command('serve')
    .description('run the service (SQLite under ./data unless SECRETS_DB says otherwise)')
    .option('--host <host>', 'listen address (SECRETS_HOST, default 127.0.0.1)')
    .option('--port <port>', 'listen port (SECRETS_PORT, default 8080)')
    .option('--workers <n>', 'server processes on one port (SECRETS_WORKERS, default 1)')
    .action(async (options: { host?: string; port?: string; workers?: string }) => {
      const config = loadConfig(
        envWith({ SECRETS_HOST: options.host, SECRETS_PORT: options.port, SECRETS_WORKERS: options.workers }),
      );
      const { createLogger } = await import('../logger');
      const { serve } = await import('../server/serve');
      const { logger, flush } = createLogger(config.logLevel);
      await serve(config, logger, flush);
    });

  program
    .command('migrate')
    .description('apply database migrations')
    .action(async () => {
      const { createStorage } = await import('../deps');
      const { migrateToLatest } = await import('../db/migration-source');
      const storage = createStorage(loadConfig(process.env));
      try {
        const applied = await migrateToLatest(storage.knex);
        process.stdout.write(applied.length === 0 ? 'already up to date\n' : `applied ${applied.join(', ')}\n`);
      } finally {
        await storage.close();
      }
    });

  program
    .command('sweep')
    .description('purge expired secrets, revocations and audit events past retention now')
    .action(async () => {
      const { createServices } = await import('../deps');
      const { createLogger } = await import('../logger');
      const { prepareDataDir } = await import('../server/first-start');
      const config = prepareDataDir(loadConfig(process.env), systemClock, () => {});
      const { logger, flush } = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
      const services = await createServices(config, systemClock, logger);
      try {
        const purged = await services.sweeper.runOnce();
        for (const [what, count] of Object.entries(purged)) process.stdout.write(`purged ${count} ${what}\n`);
      } finally {
        await services.close();
        flush();
      }
    });
}
