/** token create: signs a token offline with the server's signing key (the one that signs now); runs on the server host. */
import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { keyProblem } from '../../secrets/secret-key';
import { systemClock } from '../../common/clock';
import { CliError, EXIT_USAGE } from '../exit';
import { ttlSeconds } from '../ttl';
import { checkScopes, collect } from './token-commands';

export function registerTokenCreateCommand(token: Command): void {
  token
    .command('create')
    .description("sign a token offline with the server's signing key and print only the token; runs on the server host")
    .requiredOption('--subject <subject>', 'the token subject (key grammar)')
    .option('--scope <pattern>', 'a granted scope; repeat for more', collect, [])
    .requiredOption('--ttl <duration>', 'lifetime, such as 1h or 30d')
    .addHelpText(
      'after',
      '\nExample:\n  scoped-secrets token create --subject ci-admin --scope "secret:*:ci/**" --scope "token:create:ci/**" --ttl 30d',
    )
    .action(async (options: { subject: string; scope: string[]; ttl: string }) => {
      const subjectProblem = keyProblem(options.subject);
      if (subjectProblem) throw new CliError(`--subject: ${subjectProblem}`, EXIT_USAGE);
      checkScopes(options.scope);
      const request = { subject: options.subject, scopes: options.scope, ttlSeconds: ttlSeconds(options.ttl) };
      const { withGeneratedSecret } = await import('../../server/first-start.js');
      const { hasConfiguredSigningKey, createSigner } = await import('../../tokens/token-keys.js');
      const { databaseFileExists } = await import('../../storage/database-location.js');
      const config = withGeneratedSecret(loadConfig(process.env));
      // A key in the environment signs on a host with no database: the install signs with it until it moves to the keyring.
      const signed =
        !databaseFileExists(config.db) && hasConfiguredSigningKey(config) && config.signer.provider === 'keyring'
          ? createSigner(config, systemClock).sign(request)
          : await (await import('../signing-key-access.js')).withSigningKeys(({ keySet }) => keySet.signOffline(request));
      process.stdout.write(`${signed.token}\n`);
    });
}
