/**
 * The GitHub Action: exchanges the job's ID token (or takes a token of
 * this service), fetches the secrets the `secrets` input names and draws
 * a credential from each dynamic backend `leases` names, masks every
 * value before anything else is printed, then sets each as a variable
 * for the job's later steps and as an output of this step. Its post step,
 * which the runner runs when the job ends however it ends, revokes the
 * leases (their ids are in the step's saved state).
 */
import { buildEnvironment, EnvironmentError, maskableValues } from '../run/environment';
import { exchangeOnce } from '../client/exchanged-token';
import { idTokenFromGitHub } from '../client/id-token-sources';
import { SecretsClient, serviceUrl } from '../client/secrets-client';
import { fetchValues } from '../fetch-secrets';
import { expandKeys } from '../key-prefixes';
import { readInputs, type ActionInputs } from './action-inputs';
import { HeldLeases } from '../run/held-leases';
import { addMask, appendEntries } from './workflow-commands';

/** The state the main step saves for the post step: the ids of the leases it drew, space-separated. */
export const LEASES_STATE = 'leases';

/** A client with the input token, or with a token exchanged for the job's ID token, masked before anything is printed. */
async function clientFor(inputs: ActionInputs, env: NodeJS.ProcessEnv, write: (text: string) => void): Promise<SecretsClient> {
  const url = serviceUrl({ SECRETS_URL: inputs.url });
  let token = inputs.token;
  if (token === undefined) {
    const idToken = idTokenFromGitHub({ ...env, SECRETS_OIDC_AUDIENCE: inputs.audience });
    token = (await exchangeOnce(new SecretsClient({ url, token: '' }), { idToken, rule: inputs.trustRule })).token;
  }
  addMask(token, write);
  return new SecretsClient({ url, token });
}

export async function runAction(env: NodeJS.ProcessEnv, write: (text: string) => void): Promise<void> {
  const saved = env[`STATE_${LEASES_STATE}`];
  if (saved !== undefined) return revokeLeases(saved, env, write);
  const inputs = readInputs(env);
  const client = await clientFor(inputs, env, write);
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
  const leased = await drawLeases(client, inputs, env, write);
  const clash = Object.keys(leased).find((name) => name in variables);
  if (clash !== undefined) throw new EnvironmentError(`${clash} is set by a secret and by a lease: give the lease a prefix (KEY | PREFIX); no variable was set`);
  const entries = new Map(Object.entries({ ...variables, ...leased }));
  appendEntries(env, 'GITHUB_ENV', entries);
  appendEntries(env, 'GITHUB_OUTPUT', entries);
  write(`scoped-secrets: set ${entries.size} variable${entries.size === 1 ? '' : 's'}: ${[...entries.keys()].join(', ')}\n`);
}

/**
 * Draws a credential from each backend `leases` names, masks it, and saves
 * the leases' ids for the post step before anything else can fail; a draw
 * that fails revokes the ones already drawn.
 */
async function drawLeases(
  client: SecretsClient,
  inputs: ActionInputs,
  env: NodeJS.ProcessEnv,
  write: (text: string) => void,
): Promise<Record<string, string>> {
  if (inputs.leases.length === 0) return {};
  const held = new HeldLeases(client, (line) => write(`::warning::scoped-secrets: ${line}\n`));
  const drawn = await held.draw(inputs.leases.map((lease) => lease.key));
  appendEntries(env, 'GITHUB_STATE', new Map([[LEASES_STATE, held.ids().join(' ')]]));
  const variables: Record<string, string> = {};
  for (const { key, prefix } of inputs.leases) {
    for (const [field, value] of Object.entries(drawn.get(key) ?? {})) {
      addMask(value, write);
      variables[prefix === '' ? field : `${prefix}${field.toUpperCase()}`] = value;
    }
  }
  return variables;
}

/** The post step: revokes the leases the main step drew, with a token got the same way. A failure warns: the lease's expiry still ends it. */
async function revokeLeases(saved: string, env: NodeJS.ProcessEnv, write: (text: string) => void): Promise<void> {
  const ids = saved.split(' ').filter((id) => id !== '');
  if (ids.length === 0) return;
  const client = await clientFor(readInputs(env), env, write);
  let revoked = 0;
  for (const id of ids) {
    try {
      if (await client.revokeLease(id)) revoked++;
      else write(`::warning::scoped-secrets: the revocation of lease ${id} is pending: its server did not answer, and the service retries\n`);
    } catch (error) {
      write(`::warning::scoped-secrets: could not revoke lease ${id} (${(error as Error).message}): its expiry ends it\n`);
    }
  }
  write(`scoped-secrets: revoked ${revoked} lease${revoked === 1 ? '' : 's'}\n`);
}
