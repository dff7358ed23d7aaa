/** audit verify: walk the chain in the database and name the first event that does not fit. */
import type { Command } from 'commander';
import { loadConfig } from '../config';
import { CliError, EXIT_USAGE } from './exit';

export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('the audit chain');

  audit
    .command('verify')
    .description('check that no audit event was removed or edited (exit 2 and the first bad event if one was); runs on the server host')
    .option('--since-head <token>', 'also check that a head published earlier (in the log, or by an earlier verify) is still in the chain')
    .addHelpText(
      'after',
      '\nExamples:\n  scoped-secrets audit verify\n  scoped-secrets audit verify --since-head ahead1.eyJzZXEiOjQyLC4uLn0.3f9a…',
    )
    .action(async (options: { sinceHead?: string }) => {
      const { AuditChain } = await import('../audit/audit-event');
      const { KnexAuditStore } = await import('../audit/knex-audit-store');
      const { verifyAuditChain } = await import('../audit/chain-verifier');
      const { LocalKeyring } = await import('../crypto/local-keyring');
      const { createStorage } = await import('../deps');
      const config = loadConfig(process.env);
      const keyring = new LocalKeyring(config.keyringFile);
      const chain = new AuditChain(keyring.auditKey);
      const since = options.sinceHead === undefined ? undefined : chain.readHeadToken(options.sinceHead);
      if (options.sinceHead !== undefined && since === undefined) {
        throw new CliError('--since-head: not a head this keyring published (corrupt, or from another service)', EXIT_USAGE);
      }
      const storage = createStorage(config);
      try {
        const verdict = await verifyAuditChain(new KnexAuditStore(storage.knex, chain), chain, { since });
        if (!verdict.ok) throw new CliError(`audit chain broken after ${verdict.events} good events: ${verdict.problem}`);
        const unkeyed = verdict.unkeyedEvents > 0 ? ` (${verdict.unkeyedEvents} written before the chain was keyed)` : '';
        process.stdout.write(`audit chain ok: ${verdict.events} events${unkeyed}, head ${verdict.head.seq}\n`);
        process.stdout.write(`head: ${chain.headToken({ ...verdict.head, time: Date.now() })}\n`);
      } finally {
        await storage.close();
      }
    });
}
