/** serve, migrate and sweep: the commands that run on the server side. */
// Heavy modules load inside each action, so that client commands start fast.
import type { Command } from 'commander';
import { systemClock } from '../../common/clock';
import { loadConfig } from '../../config';
import { CliError, EXIT_USAGE } from '../exit';
import { printJson, withExamples } from '../output';
import { SERVER_HOST_NOTE, withInstallation } from '../server-host';

/** Command-line flags win over the environment, and are checked the same way. */
function envWith(overrides: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const [name, value] of Object.entries(overrides)) if (value !== undefined) env[name] = value;
  return env;
}

export function registerServerCommands(program: Command): void {
  withExamples(
    program
      .command('serve')
      .description(
        'run the service (SQLite under ./data unless SECRETS_DB says otherwise); a first start creates ./data with a keyring and a root token, and the first ES256 signing key',
      )
      .option('--host <host>', 'listen address (SECRETS_HOST, default 127.0.0.1)')
      .option('--port <port>', 'listen port (SECRETS_PORT, default 8080)')
      .option('--workers <n>', 'server processes on one port (SECRETS_WORKERS, default 1)'),
    'scoped-secrets serve',
    'SECRETS_DB=postgres://secrets@db.internal/secrets scoped-secrets serve --host 0.0.0.0 --workers 2',
  ).action(async (options: { host?: string; port?: string; workers?: string }) => {
    const config = loadConfig(envWith({ SECRETS_HOST: options.host, SECRETS_PORT: options.port, SECRETS_WORKERS: options.workers }));
    const { createLogger } = await import('../../common/logger.js');
    const { serve } = await import('../../server/serve.js');
    const { logger, flush } = createLogger(config.logLevel, config.logFormat);
    await serve(config, logger, flush);
  });

  withExamples(
    program
      .command('migrate')
      .description(`apply database migrations (serve applies them too); ${SERVER_HOST_NOTE}`)
      .option('--create', 'create the database when it does not exist yet (a SQLite file, or the tables in an empty PostgreSQL database)')
      .option('--json', 'print the migrations applied as JSON'),
    'scoped-secrets migrate',
    'SECRETS_DB=postgres://secrets@db.internal/secrets scoped-secrets migrate --create',
  ).action(async (options: { create?: boolean; json?: boolean }) => {
    const config = loadConfig(process.env);
    const { requireDatabaseFile } = await import('../installation.js');
    const { describeDatabase } = await import('../../storage/database-location.js');
    const remedy = 'or give --create to make one';
    if (!options.create) requireDatabaseFile(config.db, `run this where serve runs, ${remedy}`);
    const { openStorageAdmin } = await import('../../storage/open-storage.js');
    const storage = openStorageAdmin(config.db);
    try {
      if (!options.create && !(await storage.hasOurTables())) {
        throw new CliError(`the database at ${describeDatabase(config.db)} holds no scoped-secrets tables (${remedy})`, EXIT_USAGE);
      }
      const applied = await storage.migrate();
      if (options.json) printJson({ applied });
      else process.stdout.write(applied.length === 0 ? 'already up to date\n' : `applied ${applied.join(', ')}\n`);
    } finally {
      await storage.close();
    }
  });

  withExamples(
    program
      .command('sweep')
      .description(
        `purge expired secrets, revocations, wraps and audit events past retention now (serve does it every SECRETS_SWEEP_INTERVAL); ${SERVER_HOST_NOTE}`,
      )
      .option('--json', 'print the counts as JSON'),
    'scoped-secrets sweep',
  ).action(async (options: { json?: boolean }) => {
    // Checked first, on a connection of its own, so that nothing is created when the installation is not here.
    await withInstallation({ keyring: true }, async () => {});
    const { createServices } = await import('../../deps.js');
    const { createLogger } = await import('../../common/logger.js');
    const { withGeneratedSecret } = await import('../../server/first-start.js');
    const config = withGeneratedSecret(loadConfig(process.env));
    const { logger, flush } = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, config.logFormat);
    const { openKeyringForCommand } = await import('../../keyring/open-keyring.js');
    const services = await createServices(config, systemClock, logger, await openKeyringForCommand(config), { serving: false });
    try {
      const purged = await services.sweeper.runOnce();
      if (options.json) printJson(purged);
      else for (const [what, count] of Object.entries(purged)) process.stdout.write(`purged ${count} ${what}\n`);
    } finally {
      await services.close();
      flush();
    }
  });
}
