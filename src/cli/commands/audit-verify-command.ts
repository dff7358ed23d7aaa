/** audit verify: checks the chain on the server host, with the keyring's audit key. */
import type { Command } from 'commander';
import { CliError, EXIT_USAGE } from '../exit';
import { printJson, withExamples } from '../output';
import { SERVER_HOST_NOTE, withInstallation } from '../server-host';

export function registerAuditVerifyCommand(audit: Command): void {
  withExamples(
    audit
      .command('verify')
      .description(`check that no audit event was removed or edited (exit 2 and the first bad event if one was); ${SERVER_HOST_NOTE}`)
      .option(
        '--since-head <token>',
        'also check that a head published earlier (in the log, or by an earlier verify) is still in the chain',
      )
      .option('--json', 'print the verdict as JSON: events, unkeyed events, head position and head token'),
    'scoped-secrets audit verify',
    'scoped-secrets audit verify --since-head ahead1.eyJzZXEiOjQyLC4uLn0.3f9a…',
  ).action(async (options: { sinceHead?: string; json?: boolean }) => {
    const { AuditChain } = await import('../../audit/audit-chain.js');
    const { verifyAuditChain } = await import('../../audit/chain-verifier.js');
    const { withSeal } = await import('../../keyring/open-keyring.js');
    const { readAuditKey } = await import('../../keyring/local-keyring.js');
    await withInstallation({ keyring: true }, async (storage, config) => {
      const chain = new AuditChain(await withSeal(config, (seal) => readAuditKey(config.keyringFile, seal)));
      const since = options.sinceHead === undefined ? undefined : chain.readHeadToken(options.sinceHead);
      if (options.sinceHead !== undefined && since === undefined) {
        throw new CliError('--since-head: not a head this keyring published (corrupt, or from another service)', EXIT_USAGE);
      }
      const verdict = await verifyAuditChain(storage.auditChain(chain), chain, { since });
      if (!verdict.ok) throw new CliError(`audit chain broken after ${verdict.events} good events: ${verdict.problem}`);
      const head = chain.headToken({ ...verdict.head, time: Date.now() });
      if (options.json)
        return printJson({ ok: true, events: verdict.events, unkeyedEvents: verdict.unkeyedEvents, headSeq: verdict.head.seq, head });
      const unkeyed = verdict.unkeyedEvents > 0 ? ` (${verdict.unkeyedEvents} written before the chain was keyed)` : '';
      process.stdout.write(`audit chain ok: ${verdict.events} events${unkeyed}, head ${verdict.head.seq}\n`);
      process.stdout.write(`head: ${head}\n`);
    });
  });
}
