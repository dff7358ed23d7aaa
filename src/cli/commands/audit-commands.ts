/** audit list and audit tail, through the API with audit:read (audit verify, on the server host, is audit-verify-command.ts). */
import type { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AuditEvent, AuditQuery, SecretsClient } from '../client/secrets-client';
import { parseDuration } from '../../common/durations';
import { parseTimestamp } from '../../common/timestamps';
import { addClientFlags, clientFor } from '../client-flags';
import { CliError, EXIT_USAGE } from '../exit';
import { AlignedTable } from '../aligned-table';
import { printJson, withExamples } from '../output';

/** How far back each poll of `audit tail` looks again: an event's time can trail its position by a commit's delay. */
const TAIL_OVERLAP_MS = 5000;

function eventFields(event: AuditEvent): string[] {
  return [event.time, event.action, String(event.outcome), event.subject ?? '-', event.key ?? '-', event.client ?? '-'];
}

function eventLine(event: AuditEvent): string {
  return eventFields(event).join('\t');
}

const HEADER = ['TIME', 'ACTION', 'STATUS', 'SUBJECT', 'KEY', 'CLIENT'];

/** `--since`: a duration back from now (1h) or an RFC 3339 date-time. */
function sinceFrom(text: string | undefined, now = Date.now()): string | undefined {
  if (text === undefined) return undefined;
  const back = parseDuration(text);
  const at = back !== undefined ? now - back : parseTimestamp(text);
  if (at === undefined)
    throw new CliError(`--since must be a duration back from now (1h, 7d) or an RFC 3339 date-time, not "${text}"`, EXIT_USAGE);
  return new Date(at).toISOString();
}

async function* allEvents(client: SecretsClient, query: AuditQuery): AsyncGenerator<AuditEvent> {
  let continuationToken: string | undefined;
  do {
    const page = await client.listAuditEvents({ ...query, limit: 1000, continuationToken });
    yield* page.events;
    continuationToken = page.continuationToken;
  } while (continuationToken);
}

function addFilters(command: Command): Command {
  return command
    .option('--key <key>', 'only events about this key (needs audit:read on it; without it, audit:read:**)')
    .option('--subject <subject>', 'only events by this subject')
    .option('--since <when>', 'only events from this long ago (1h, 7d) or since an RFC 3339 date-time');
}

interface Filters {
  key?: string;
  subject?: string;
  since?: string;
  json?: boolean;
}

/** `serverHostCommands` adds the commands of the group that run on the server host (audit verify). */
export function registerAuditCommands(program: Command, serverHostCommands?: (audit: Command) => void): void {
  const audit = program
    .command('audit')
    .description('the audit trail: verify the chain on the server host, list and tail events through the API');

  serverHostCommands?.(audit);

  withExamples(
    addFilters(addClientFlags(audit.command('list')))
      .description(
        'print audit events, newest first: time, action, HTTP status, subject, key, client; a table with a header on a terminal, tab-separated otherwise (needs audit:read)',
      )
      .option('--limit <n>', 'at most this many events')
      .option('--oldest-first', 'from the oldest event on')
      .option('--json', 'print a JSON array, in the same order'),
    'scoped-secrets audit list --since 1h',
    'scoped-secrets audit list --key ci/deploy/aws --limit 20',
    'scoped-secrets audit list --key ci/deploy/aws --json',
  ).action(async (options: Filters & { limit?: string; oldestFirst?: boolean }, command: Command) => {
    if (options.limit !== undefined && !/^[1-9]\d{0,8}$/.test(options.limit))
      throw new CliError('--limit must be a positive whole number', EXIT_USAGE);
    const limit = options.limit === undefined ? Infinity : Number(options.limit);
    const query: AuditQuery = {
      key: options.key,
      subject: options.subject,
      since: sinceFrom(options.since),
      order: options.oldestFirst ? 'oldest' : 'newest',
    };
    const table = !options.json && process.stdout.isTTY ? new AlignedTable(HEADER) : undefined;
    const events: AuditEvent[] = [];
    let printed = 0;
    for await (const event of allEvents(clientFor(command), query)) {
      if (printed++ >= limit) break;
      if (options.json) events.push(event);
      else if (table) table.add(eventFields(event));
      else process.stdout.write(`${eventLine(event)}\n`);
    }
    if (options.json) printJson(events);
    table?.flush();
  });

  withExamples(
    addFilters(addClientFlags(audit.command('tail')))
      .description('print audit events as they happen, until interrupted (needs audit:read)')
      .option('--interval <seconds>', 'seconds between polls', '2')
      .option('--json', 'print one JSON object per line'),
    'scoped-secrets audit tail',
    'scoped-secrets audit tail --key ci/deploy/aws --since 10m --json',
  ).action(async (options: Filters & { interval: string }, command: Command) => {
    const interval = Number(options.interval);
    if (!(interval >= 0.1 && interval <= 3600)) throw new CliError('--interval must be from 0.1 to 3600 seconds', EXIT_USAGE);
    const client = clientFor(command);
    let lastId = 0;
    const start = Date.parse(sinceFrom(options.since) ?? new Date().toISOString());
    let lastTime = start;
    for (;;) {
      const since = new Date(Math.max(0, lastTime - TAIL_OVERLAP_MS)).toISOString();
      for await (const event of allEvents(client, { key: options.key, subject: options.subject, since })) {
        if (event.id <= lastId || Date.parse(event.time) < start) continue;
        lastId = event.id;
        lastTime = Math.max(lastTime, Date.parse(event.time));
        process.stdout.write(options.json ? `${JSON.stringify(event)}\n` : `${eventLine(event)}\n`);
      }
      await sleep(interval * 1000);
    }
  });
}
