/** proxy: a local auth proxy that attaches a task's token, so the task never holds it. */
import type { Command } from 'commander';
import type { AddressInfo } from 'node:net';
import { createAuthProxy, isLoopback } from '../proxy/auth-proxy';
import { TokenFile, TokenFileError } from '../proxy/token-file';
import { CliError, EXIT_USAGE } from './exit';

function parseListen(text: string): { host: string; port: number } {
  const match = /^(\[[0-9a-fA-F:]+\]|[^:]+):(\d{1,5})$/.exec(text);
  if (!match || Number(match[2]) > 65_535) throw new CliError(`--listen must be HOST:PORT, not "${text}"`, EXIT_USAGE);
  return { host: match[1].replace(/^\[|\]$/g, ''), port: Number(match[2]) };
}

export function registerProxyCommand(program: Command): void {
  program
    .command('proxy')
    .description('forward /v1/... to the service with the token from a file in place of any Authorization header')
    .option('--listen <host:port>', 'where to listen', '127.0.0.1:8081')
    .requiredOption('--upstream <url>', 'the scoped-secrets service, such as http://secrets.internal:8080')
    .requiredOption('--token-file <path>', 'the token to attach; re-read when it changes')
    .option('--allow-remote', 'listen on a non-loopback address')
    .addHelpText('after', '\nExample:\n  scoped-secrets proxy --upstream https://secrets.example.com --token-file /run/task/token\n  curl http://127.0.0.1:8081/v1/secret/ci/deploy/aws')
    .action(async (options: { listen: string; upstream: string; tokenFile: string; allowRemote?: boolean }) => {
      const { host, port } = parseListen(options.listen);
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
      let tokenFile: TokenFile;
      try {
        tokenFile = new TokenFile(options.tokenFile);
      } catch (error) {
        if (error instanceof TokenFileError) throw new CliError(error.message, EXIT_USAGE);
        throw error;
      }
      const { createLogger } = await import('../logger');
      const { logger, flush } = createLogger('info');
      const server = createAuthProxy({ upstream, tokenFile, logger });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, resolve);
      });
      const address = server.address() as AddressInfo;
      logger.info({ upstream: upstream.origin }, `proxy listening on http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`);
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
    });
}
