/** lease list and lease revoke: the leases of dynamic backends, through the API. */
import type { Command } from 'commander';
import { keyProblem } from '../../secrets/secret-key';
import { AlignedTable } from '../aligned-table';
import type { Lease } from '../client/secrets-client';
import { addClientFlags, clientFor } from '../client-flags';
import { CliError, EXIT_USAGE } from '../exit';
import { printJson, withExamples } from '../output';

const LEASE_HEADER = ['ID', 'BACKEND', 'SUBJECT', 'STATE', 'EXPIRES', 'LAST ERROR'];

function leaseFields(lease: Lease): string[] {
  return [lease.id, lease.backend, lease.subject, lease.state, lease.expires, lease.lastError ?? '-'];
}

function checkedPrefix(prefix: string, what: string): string {
  const problem = prefix === '' ? undefined : keyProblem(prefix);
  if (problem) throw new CliError(`${what} ${prefix}: ${problem}`, EXIT_USAGE);
  return prefix;
}

export function registerLeaseCommands(program: Command): void {
  const lease = program.command('lease').description('list and revoke the leases of dynamic backends (credentials made per task)');

  withExamples(
    addClientFlags(lease.command('list'))
      .description('list the leases you may see (dynamic:list, or your own): id, backend, subject, state, expiry, last revocation error')
      .argument('[prefix]', 'only backends under this key prefix (whole segments)', '')
      .option('--json', 'print a JSON array'),
    'scoped-secrets lease list ci/db',
    'scoped-secrets lease list --json',
  ).action(async (prefix: string, options: { json?: boolean }, command: Command) => {
    checkedPrefix(prefix, 'prefix');
    const listed: Lease[] = [];
    const table = !options.json && process.stdout.isTTY ? new AlignedTable(LEASE_HEADER) : undefined;
    let count = 0;
    for await (const found of clientFor(command).listLeases(prefix)) {
      count++;
      if (options.json) listed.push(found);
      else if (table) table.add(leaseFields(found));
      else process.stdout.write(`${leaseFields(found).join('\t')}\n`);
    }
    if (options.json) printJson(listed);
    else if (count === 0) process.stderr.write(`no leases you may see${prefix ? ` under ${prefix}` : ''}\n`);
    else table?.flush();
  });

  withExamples(
    addClientFlags(lease.command('revoke'))
      .description(
        'revoke a lease now (its credential dropped, its sessions ended), or with --prefix every lease of the backends under a prefix (dynamic:revoke)',
      )
      .argument('[id]', 'the lease id, as lease list shows it')
      .option('--prefix <prefix>', 'revoke the leases of every backend at this key prefix and under it'),
    'scoped-secrets lease revoke lease_rGX1Wc9k0hN6aQ2yJt8uVb3e',
    'scoped-secrets lease revoke --prefix ci/db',
  ).action(async (id: string | undefined, options: { prefix?: string }, command: Command) => {
    if ((id === undefined) === (options.prefix === undefined)) throw new CliError('give a lease id or --prefix, not both', EXIT_USAGE);
    const client = clientFor(command);
    if (options.prefix !== undefined) {
      const count = await client.revokeLeasesUnder(checkedPrefix(options.prefix, '--prefix'));
      process.stderr.write(`revoking ${count} lease${count === 1 ? '' : 's'} under ${options.prefix}\n`);
      return;
    }
    const done = await client.revokeLease(id as string);
    process.stderr.write(
      done
        ? `revoked ${id as string}\n`
        : `the revocation of ${id as string} is pending: its server did not answer, and the service retries\n`,
    );
  });
}
