/**
 * `serve`: prepares ./data on a first start, applies migrations, then runs
 * one HTTP process, or with --workers N a node cluster of N processes on
 * one port in which exactly one worker runs the sweeper.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { systemClock } from '../common/clock';
import type { Config } from '../config';
import { openStorageAdmin } from '../storage/open-storage';
import { openDataFolders } from './data-permissions';
import { prepareDataDir } from './first-start';
import { checkKeyringAgainstDatabase } from '../keyring/keyring-check';
import { runHttpServer } from './http-server';
import { makeFirstSigningKeyBeforeWorkers } from './signing-notices';

const SWEEPER_ROLE = 'SCOPED_SECRETS_SWEEPER';

async function migrate(config: Config, logger: Logger): Promise<void> {
  const storage = openStorageAdmin(config.db);
  try {
    const applied = await storage.migrate();
    if (applied.length > 0) logger.info({ applied }, 'applied migrations');
  } finally {
    await storage.close();
  }
}

export async function serve(config: Config, logger: Logger, flushLogs: () => void): Promise<void> {
  if (cluster.isWorker) {
    const prepared = await prepareDataDir(config, systemClock, () => {});
    await runHttpServer(prepared, logger, { sweeper: process.env[SWEEPER_ROLE] === '1', flushLogs });
    return;
  }
  await checkKeyringAgainstDatabase(config);
  const prepared = await prepareDataDir(config, systemClock, (line) => process.stderr.write(`scoped-secrets: ${line}\n`));
  await migrate(prepared, logger);
  for (const warning of openDataFolders(prepared)) {
    logger.warn(warning);
    process.stderr.write(`scoped-secrets: warning: ${warning}\n`);
  }
  if (config.workers === 1) {
    await runHttpServer(prepared, logger, { sweeper: true, flushLogs });
    return;
  }
  await makeFirstSigningKeyBeforeWorkers(prepared, systemClock, (line) => process.stderr.write(`scoped-secrets: ${line}\n`));
  runPrimary(config.workers, logger, flushLogs);
}

function runPrimary(workers: number, logger: Logger, flushLogs: () => void): void {
  let stopping = false;
  const fork = (sweeper: boolean): Worker => {
    const worker = cluster.fork({ [SWEEPER_ROLE]: sweeper ? '1' : '0' });
    worker.on('exit', (code, signal) => {
      if (stopping) return;
      logger.error({ pid: worker.process.pid, code, signal }, 'worker died; starting another');
      fork(sweeper);
    });
    return worker;
  };
  for (let index = 0; index < workers; index++) fork(index === 0);

  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    const running = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined);
    let remaining = running.length;
    const done = () => {
      flushLogs();
      process.exit(0);
    };
    if (remaining === 0) done();
    for (const worker of running) {
      worker.once('exit', () => {
        remaining -= 1;
        if (remaining === 0) done();
      });
      worker.process.kill('SIGTERM');
    }
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}
