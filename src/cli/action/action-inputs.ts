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
  /** Dynamic backends to draw a credential from, each with the prefix of its variables' names ('' for none). */
  readonly leases: ReadonlyArray<{ readonly key: string; readonly prefix: string }>;
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

/** A `leases` line: `KEY`, or `KEY | PREFIX` for variables named PREFIX_USERNAME, PREFIX_PASSWORD and PREFIX_URL. */
function leaseLine(line: string, number: number): { key: string; prefix: string } {
  const where = `leases, line ${number}`;
  const [key = '', prefix, ...rest] = line.split('|').map((part) => part.trim());
  if (rest.length > 0) throw new InputError(`${where}: one | at most (KEY | PREFIX)`);
  const problem = keyProblem(key);
  if (problem) throw new InputError(`${where}: ${problem}`);
  if (prefix !== undefined && !VARIABLE_NAME.test(prefix)) throw new InputError(`${where}: ${JSON.stringify(prefix)} cannot start a variable name`);
  return { key, prefix: prefix === undefined ? '' : `${prefix}_` };
}

/** The non-empty lines of a multi-line input that are not comments, with their numbers. */
function lines(text: string | undefined): Array<[string, number]> {
  return (text ?? '')
    .split(/\r?\n|;/)
    .map((raw, index): [string, number] => [raw.trim(), index + 1])
    .filter(([line]) => line !== '' && !line.startsWith('#'));
}

export function readInputs(env: NodeJS.ProcessEnv): ActionInputs {
  const url = input(env, 'url');
  if (url === undefined) throw new InputError('the input url is required: the address of the secrets service');
  const secrets = input(env, 'secrets');
  const leases = input(env, 'leases');
  if (secrets === undefined && leases === undefined)
    throw new InputError('the input secrets (one secret per line) or leases (one dynamic backend per line) is required');
  const fromKeys: string[] = [];
  const bindings: EnvBinding[] = [];
  for (const [line, number] of lines(secrets)) secretLine(line, number, fromKeys, bindings);
  const allowEnv = (input(env, 'allow-env') ?? '').split(/[\s,]+/).filter((name) => name !== '');
  return {
    url,
    fromKeys,
    bindings,
    trustRule: input(env, 'trust-rule'),
    audience: input(env, 'audience') ?? 'scoped-secrets',
    token: input(env, 'token'),
    allowEnv: new Set(allowEnv),
    leases: lines(leases).map(([line, number]) => leaseLine(line, number)),
  };
}
