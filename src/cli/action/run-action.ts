/**
 * The GitHub Action: exchanges the job's ID token (or takes a token of
 * this service), fetches the secrets the `secrets` input names, masks
 * every value before anything else is printed, then sets each as a
 * variable for the job's later steps and as an output of this step.
 */
import { buildEnvironment, EnvironmentError, maskableValues } from '../run/environment';
import { exchangeOnce } from '../client/exchanged-token';
import { idTokenFromGitHub } from '../client/id-token-sources';
import { SecretsClient, serviceUrl } from '../client/secrets-client';
import { fetchValues } from '../fetch-secrets';
import { expandKeys } from '../key-prefixes';
import { readInputs } from './action-inputs';
import { addMask, appendEntries } from './workflow-commands';

export async function runAction(env: NodeJS.ProcessEnv, write: (text: string) => void): Promise<void> {
  const inputs = readInputs(env);
  const url = serviceUrl({ SECRETS_URL: inputs.url });
  let token = inputs.token;
  if (token === undefined) {
    const idToken = idTokenFromGitHub({ ...env, SECRETS_OIDC_AUDIENCE: inputs.audience });
    token = (await exchangeOnce(new SecretsClient({ url, token: '' }), { idToken, rule: inputs.trustRule })).token;
  }
  addMask(token, write);
  const client = new SecretsClient({ url, token });
  const { keys: fromKeys, fromPrefix } = await expandKeys(client, inputs.fromKeys, '; no variable was set');
  const keys = [...new Set([...fromKeys, ...inputs.bindings.map((binding) => binding.key)])];
  const values = await fetchValues(client, keys, '; no variable was set');
  // Every value is masked before anything can print one, even the variables that are then refused.
  for (const text of maskableValues(values.values(), {})) addMask(text, write);
  let variables: Record<string, string>;
  try {
    variables = buildEnvironment(fromKeys, inputs.bindings, values, { allowed: inputs.allowEnv, fromPrefix });
  } catch (error) {
    if (error instanceof EnvironmentError)
      throw new EnvironmentError(`${error.message.replace(/--allow-env/g, 'allow-env')}; no variable was set`);
    throw error;
  }
  for (const value of Object.values(variables)) addMask(value, write);
  const entries = new Map(Object.entries(variables));
  appendEntries(env, 'GITHUB_ENV', entries);
  appendEntries(env, 'GITHUB_OUTPUT', entries);
  write(`scoped-secrets: set ${entries.size} variable${entries.size === 1 ? '' : 's'}: ${[...entries.keys()].join(', ')}\n`);
}
