/** --url and --token-file, accepted before the command name (global) and after it, each winning over its variable. */
import type { Command } from 'commander';
import { clientOptionsFromEnv, SecretsClient, type ClientFlags } from './client/secrets-client';

export function addClientFlags(command: Command): Command {
  return command
    .option('--url <url>', 'the service, such as https://secrets.example.com (SECRETS_URL; default http://127.0.0.1:8080)')
    .option('--token-file <path>', 'the file holding your token (SECRETS_TOKEN_FILE, or the token itself in SECRETS_TOKEN)');
}

export function clientFor(command: Command): SecretsClient {
  return new SecretsClient(clientOptionsFromEnv(process.env, command.optsWithGlobals<ClientFlags>()));
}
