/** audit verify: walk the chain in the database and name the first event that does not fit. */
import type { Command } from 'commander';
import { loadConfig } from '../config';
import { CliError } from './exit';

export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('the audit chain');

  audit
    .command('verify')
    .description('check that no audit event was removed or edited (exit 2 and the first bad event if one was)')
    .action(async () => {
      const { KnexAuditStore } = await import('../audit/knex-audit-store');
      const { verifyAuditChain } = await import('../audit/chain-verifier');
      const { createStorage } = await import('../deps');
      const storage = createStorage(loadConfig(process.env));
      try {
        const verdict = await verifyAuditChain(new KnexAuditStore(storage.knex));
        if (!verdict.ok) throw new CliError(`audit chain broken after ${verdict.events} good events: ${verdict.problem}`);
        process.stdout.write(`audit chain ok: ${verdict.events} events, head ${verdict.head.seq}\n`);
      } finally {
        await storage.close();
      }
    });
}
