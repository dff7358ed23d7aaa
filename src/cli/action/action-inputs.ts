/**
 * The Action's inputs, as the runner hands them over (INPUT_<NAME>, the
 * name upper-cased), and its `secrets` input: one line per secret, a key
 * alone (every field becomes a variable, named as `run --from` names
 * them), `KEY FIELD | NAME` for one field under a chosen name, or
 * `KEY | NAME` for the whole value as JSON.
 */
import { keyProblem } from '../../secrets/secret-key';
import { keyOrPrefixProblem } from '../key-prefixes';
import { VARIABLE_NAME, type EnvBinding } from '../run/environment';

export class InputError extends Error {}

export interface ActionInputs {
  readonly url: string;
  readonly fromKeys: readonly string[];
  readonly bindings: readonly EnvBinding[];
  readonly trustRule?: string;
  readonly audience: string;
  readonly token?: string;
  readonly allowEnv: ReadonlySet<string>;
}

function input(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`]?.trim();
  return value === '' ? undefined : value;
}

function secretLine(line: string, number: number, fromKeys: string[], bindings: EnvBinding[]): void {
  const where = `secrets, line ${number}`;
  const [left = '', name, ...rest] = line.split('|').map((part) => part.trim());
  if (rest.length > 0) throw new InputError(`${where}: one | at most (KEY FIELD | NAME)`);
  const [key = '', field, ...more] = left.split(/\s+/);
  if (more.length > 0) throw new InputError(`${where}: expected KEY, KEY FIELD | NAME or KEY | NAME`);
  if (name === undefined) {
    if (field !== undefined) throw new InputError(`${where}: name the variable for field ${field} (KEY FIELD | NAME)`);
    const problem = keyOrPrefixProblem(key);
    if (problem) throw new InputError(`${where}: ${problem}`);
    fromKeys.push(key);
    return;
  }
  const problem = keyProblem(key);
  if (problem) throw new InputError(`${where}: ${problem}`);
  if (!VARIABLE_NAME.test(name)) throw new InputError(`${where}: ${JSON.stringify(name)} is not a variable name`);
  bindings.push({ name, key, field });
}

export function readInputs(env: NodeJS.ProcessEnv): ActionInputs {
  const url = input(env, 'url');
  if (url === undefined) throw new InputError('the input url is required: the address of the secrets service');
  const secrets = input(env, 'secrets');
  if (secrets === undefined) throw new InputError('the input secrets is required: one secret per line');
  const fromKeys: string[] = [];
  const bindings: EnvBinding[] = [];
  for (const [index, raw] of secrets.split(/\r?\n|;/).entries()) {
    const line = raw.trim();
    if (line !== '' && !line.startsWith('#')) secretLine(line, index + 1, fromKeys, bindings);
  }
  const allowEnv = (input(env, 'allow-env') ?? '').split(/[\s,]+/).filter((name) => name !== '');
  return {
    url,
    fromKeys,
    bindings,
    trustRule: input(env, 'trust-rule'),
    audience: input(env, 'audience') ?? 'scoped-secrets',
    token: input(env, 'token'),
    allowEnv: new Set(allowEnv),
  };
}
