/** proxy: a local auth proxy that attaches a task's token, so the task never holds it. */
import type { Command } from 'commander';
import type { AddressInfo } from 'node:net';
import { createAuthProxy, type ProxyRules, type TokenSource } from '../proxy/auth-proxy';
import { plainHttpProblem, sharedFileWarning } from '../client/credential-safety';
import { isLoopback } from '../../common/loopback';
import { RefreshingToken } from '../client/exchanged-token';
import { SecretsClient } from '../client/secrets-client';
import type { Logger } from 'pino';
import { addOidcFlags, exchangeSource, type OidcOptions } from '../oidc-flags';
import { DEFAULT_CAPABILITIES, hostMatcher, isProxyCapability, PROXY_CAPABILITIES, type ProxyCapability } from '../proxy/forwarding-policy';
import { TokenFile, TokenFileError } from '../proxy/token-file';
import { CliError, EXIT_USAGE } from '../exit';

const collect = (value: string, previous: string[]) => [...previous, value];

function parseListen(text: string): { host: string; port: number } {
  const match = /^(\[[0-9a-fA-F:]+\]|[^:]+):(\d{1,5})$/.exec(text);
  const [, host, port] = match ?? [];
  if (host === undefined || Number(port) > 65_535) throw new CliError(`--listen must be HOST:PORT, not "${text}"`, EXIT_USAGE);
  return { host: host.replace(/^\[|\]$/g, ''), port: Number(port) };
}

/** The token to attach: from --token-file, or exchanged for the job's ID token at the upstream and refreshed before it expires. */
async function tokenSourceFor(options: OidcOptions & { tokenFile?: string }, upstream: URL, logger: Logger): Promise<TokenSource> {
  const source = exchangeSource(options);
  if ((source === undefined) === (options.tokenFile === undefined)) {
    throw new CliError('give one of --token-file, --oidc-token-file and --github-oidc', EXIT_USAGE);
  }
  if (source) {
    const client = new SecretsClient({ url: upstream.href.replace(/\/+$/, ''), token: '' });
    const token = new RefreshingToken(client, source, (error) =>
      logger.warn({ reason: (error as Error).message }, 'could not exchange a fresh token; keeping the current one'),
    );
    await token.start();
    return token;
  }
  try {
    const file = new TokenFile(options.tokenFile as string);
    const warning = sharedFileWarning(options.tokenFile as string, '--token-file');
    if (warning) logger.warn(warning);
    return file;
  } catch (error) {
    if (error instanceof TokenFileError) throw new CliError(error.message, EXIT_USAGE);
    throw error;
  }
}

export function registerProxyCommand(program: Command): void {
  addOidcFlags(program.command('proxy'))
    .description('forward /v1/... to the service with the token from a file in place of any Authorization header')
    .option('--listen <host:port>', 'where to listen', '127.0.0.1:8081')
    .requiredOption(
      '--upstream <url>',
      'the scoped-secrets service, such as https://secrets.internal (plain http on loopback only, unless SECRETS_ALLOW_INSECURE_HTTP=true)',
    )
    .option('--token-file <path>', 'the token to attach; re-read when it changes (or --oidc-token-file / --github-oidc)')
    .option('--allow-remote', 'listen on a non-loopback address')
    .option(
      '--allow <capability>',
      `also forward ${PROXY_CAPABILITIES.filter((c) => !DEFAULT_CAPABILITIES.includes(c)).join(', ')} (reads and listings always pass); repeatable`,
      collect,
      [],
    )
    .addHelpText(
      'after',
      '\nExamples:\n  scoped-secrets proxy --upstream https://secrets.example.com --token-file /run/task/token\n  scoped-secrets proxy --upstream https://secrets.example.com --github-oidc\n  curl http://127.0.0.1:8081/v1/secret/ci/deploy/aws\n  scoped-secrets proxy --upstream https://secrets.example.com --token-file /run/task/token --allow secret:set',
    )
    .action(
      async (options: OidcOptions & { listen: string; upstream: string; tokenFile?: string; allowRemote?: boolean; allow: string[] }) => {
        const { host, port } = parseListen(options.listen);
        for (const capability of options.allow) {
          if (!isProxyCapability(capability)) {
            throw new CliError(`--allow ${capability}: expected one of ${PROXY_CAPABILITIES.join(', ')}`, EXIT_USAGE);
          }
        }
        const rules: ProxyRules = {
          allowed: new Set([...DEFAULT_CAPABILITIES, ...(options.allow as ProxyCapability[])]),
          acceptsHost: () => false,
        };
        if (!isLoopback(host) && !options.allowRemote) {
          throw new CliError(`refusing to listen on ${host}: only loopback addresses unless --allow-remote`, EXIT_USAGE);
        }
        let upstream: URL;
        try {
          upstream = new URL(options.upstream);
          if (upstream.protocol !== 'http:' && upstream.protocol !== 'https:') throw new Error('not http(s)');
        } catch {
          throw new CliError(`--upstream must be an http:// or https:// URL, not "${options.upstream}"`, EXIT_USAGE);
        }
        const insecure = plainHttpProblem(upstream, process.env);
        if (insecure) throw new CliError(`--upstream: ${insecure}`, EXIT_USAGE);
        const { createLogger } = await import('../../common/logger.js');
        const { logger, flush } = createLogger('info', 'auto');
        const token = await tokenSourceFor(options, upstream, logger);
        const server = createAuthProxy({ upstream, token, logger, rules });
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, host, resolve);
        });
        const address = server.address() as AddressInfo;
        rules.acceptsHost = hostMatcher(host, address.port);
        logger.info(
          { upstream: upstream.origin },
          `proxy listening on http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`,
        );
        const stop = () => {
          server.close(() => {
            flush();
            process.exit(0);
          });
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), 5000).unref();
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      },
    );
}
