/** --version prints this build's version; `version` also asks the server it talks to, when it can reach one. */
import type { Command } from 'commander';
import { SecretsClient, serviceUrl, type ClientFlags } from '../client/secrets-client';
import { packageVersion } from '../../shared/version';
import { printJson, withExamples } from '../output';

export function registerVersionCommand(program: Command): void {
  program.version(packageVersion(), '--version', 'print the version');
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
