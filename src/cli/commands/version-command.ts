/**
 * --version prints this build's version (with --verbose, also the SHA-256
 * of the client this build serves, or of this client itself); `version`
 * also asks the server it talks to, when it can reach one.
 */
import type { Command } from 'commander';
import { clientFile, clientSha256 } from '../../common/client-bundle';
import { SecretsClient, serviceUrl, type ClientFlags } from '../client/secrets-client';
import { packageVersion } from '../../common/version';
import { printJson, withExamples } from '../output';

/** The client whose SHA-256 --version --verbose prints: the one the server hands out, or the one running. */
function verifiedFile(serverHost: boolean): string | undefined {
  return serverHost ? clientFile() : process.argv[1];
}

function clientLine(file: string | undefined): string {
  const sha256 = file === undefined ? undefined : clientSha256(file);
  return sha256 === undefined ? `client: none at ${file ?? '-'}` : `client sha256 ${sha256} ${file}`;
}

export function registerVersionCommand(program: Command, { serverHost }: { serverHost: boolean }): void {
  program
    .option('--version', 'print the version')
    .option(
      '--verbose',
      serverHost ? 'with --version: also the SHA-256 of the client the server hands out' : 'with --version: also the SHA-256 of this file',
    )
    .on('option:version', () => {
      process.stdout.write(`${packageVersion()}\n`);
      // Read from the raw arguments: --verbose may come after --version, which ends the parse here.
      if (process.argv.includes('--verbose')) process.stdout.write(`${clientLine(verifiedFile(serverHost))}\n`);
      process.exit(0);
    });
  withExamples(
    program
      .command('version')
      .description('print this version, and the version of the server at SECRETS_URL (or --url) when it answers')
      .option('--url <url>', 'the service (SECRETS_URL; default http://127.0.0.1:8080)')
      .option('--json', 'print JSON'),
    'scoped-secrets version',
    'scoped-secrets version --url https://secrets.example.com --json',
  ).action(async (options: { json?: boolean }, command: Command) => {
    const url = serviceUrl(process.env, command.optsWithGlobals<ClientFlags>());
    // No token is needed: /healthz answers anyone.
    const client = new SecretsClient({ url, token: '', attempts: 1 });
    let server: string | undefined;
    let problem: string | undefined;
    try {
      server = await client.serverVersion();
    } catch (error) {
      problem = (error as Error).message;
    }
    if (options.json) return printJson({ client: packageVersion(), server: server ?? null, url });
    process.stdout.write(`scoped-secrets ${packageVersion()}\n`);
    process.stdout.write(server !== undefined ? `server ${server} at ${url}\n` : `server: ${problem ?? `no version from ${url}`}\n`);
  });
}
