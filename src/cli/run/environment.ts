/**
 * Which secrets `run` and `export` inject, under which names: `--from KEY`
 * exports each top-level field (its name upper-cased and prefixed on
 * request); `--env NAME=KEY#FIELD` one field; `--env NAME=KEY` the whole
 * value as JSON. Non-string fields are exported as JSON, and `--env` wins
 * over `--from`. A secret's writer chooses its field names and values, its
 * readers run the command: so a field that is no variable name, a value no
 * variable can hold, or a variable that steers how programs start is
 * refused, every one named at once, and nothing is run.
 */
import { keyProblem } from '../../secrets/secret-key';
import { steersProcess } from './steering-variables';

export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface EnvBinding {
  readonly name: string;
  readonly key: string;
  readonly field?: string;
}

export class EnvironmentError extends Error {}

export function parseEnvBinding(text: string): EnvBinding {
  const equals = text.indexOf('=');
  if (equals < 0) throw new EnvironmentError(`--env ${text}: expected NAME=KEY or NAME=KEY#FIELD`);
  const name = text.slice(0, equals);
  const [key = '', ...fieldParts] = text.slice(equals + 1).split('#');
  const field = fieldParts.length === 0 ? undefined : fieldParts.join('#');
  if (!VARIABLE_NAME.test(name)) throw new EnvironmentError(`--env ${text}: "${name}" is not a valid variable name`);
  const problem = keyProblem(key);
  if (problem) throw new EnvironmentError(`--env ${text}: ${problem}`);
  if (field === '') throw new EnvironmentError(`--env ${text}: the field after # is empty`);
  return { name, key, field };
}

function exported(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** How `--from` fields become variable names. */
export interface FieldNaming {
  readonly uppercase?: boolean;
  readonly prefix?: string;
}

export function prefixProblem(prefix: string): string | undefined {
  return prefix === '' || VARIABLE_NAME.test(prefix)
    ? undefined
    : `--prefix ${prefix}: must start a variable name ([A-Za-z_][A-Za-z0-9_]*)`;
}

export interface EnvironmentChoices {
  readonly naming?: FieldNaming;
  /** Variables named by --allow-env: injected even though they steer how programs start. */
  readonly allowed?: ReadonlySet<string>;
  /**
   * The `--from` keys that a prefix pattern brought in, with the pattern.
   * Between plain keys a later key wins, as the user ordered them; a
   * variable that a prefix's key would share with another key is refused,
   * since no one chose which of them wins.
   */
  readonly fromPrefix?: ReadonlyMap<string, string>;
}

/** Why `name` may not carry `value` from `source`, or undefined. */
function variableProblem(name: string, value: string, source: string, allowed: ReadonlySet<string>): string | undefined {
  if (!VARIABLE_NAME.test(name)) return `${source}: ${JSON.stringify(name)} is not a variable name`;
  if (value.includes('\0')) return `${source}: the value holds a NUL character, which no variable can carry`;
  if (steersProcess(name) && !allowed.has(name))
    return `${source}: ${name} steers how programs start, so it is not set from a secret unless --allow-env ${name} names it`;
  return undefined;
}

/** The variables to add, from secret values already fetched by key; every refused or missing one is named at once. */
export function buildEnvironment(
  fromKeys: readonly string[],
  bindings: readonly EnvBinding[],
  values: ReadonlyMap<string, Record<string, unknown>>,
  choices: EnvironmentChoices = {},
): Record<string, string> {
  const { naming = {}, allowed = new Set<string>(), fromPrefix = new Map<string, string>() } = choices;
  const env: Record<string, string> = {};
  const problems: string[] = [];
  const setBy = new Map<string, string>();
  const boundByEnv = new Set(bindings.map((binding) => binding.name));
  const described = (key: string) => (fromPrefix.has(key) ? `${key} (from ${fromPrefix.get(key)})` : key);
  const set = (name: string, value: string, source: string) => {
    const problem = variableProblem(name, value, source, allowed);
    if (problem) problems.push(problem);
    else env[name] = value;
  };
  for (const key of fromKeys) {
    for (const [field, value] of Object.entries(values.get(key) ?? {})) {
      const name = `${naming.prefix ?? ''}${naming.uppercase ? field.toUpperCase() : field}`;
      const earlier = setBy.get(name);
      const clash = earlier !== undefined && earlier !== key && (fromPrefix.has(key) || fromPrefix.has(earlier));
      if (clash && !boundByEnv.has(name)) {
        problems.push(
          `${name} would come from both ${described(earlier)} and ${described(key)}: name the one you want with --env ${name}=KEY#FIELD, or read fewer keys`,
        );
        continue;
      }
      setBy.set(name, key);
      set(name, exported(value), `field ${JSON.stringify(field)} of ${key}`);
    }
  }
  for (const { name, key, field } of bindings) {
    const value = values.get(key) ?? {};
    if (field === undefined) set(name, JSON.stringify(value), `--env ${name}=${key}`);
    else if (!Object.hasOwn(value, field)) problems.push(`--env ${name}: ${key} has no field "${field}"`);
    else set(name, exported(value[field]), `--env ${name}: field ${JSON.stringify(field)} of ${key}`);
  }
  if (problems.length > 0) throw new EnvironmentError(problems.join('; '));
  return env;
}

/**
 * Every text worth masking: each injected value; the strings and numbers
 * inside JSON-exported ones; each line of a multi-line string (printed
 * line by line, as a PEM key often is); and each string's JSON-escaped
 * form. The masker ignores any shorter than 4 characters.
 */
export function maskableValues(values: Iterable<Record<string, unknown>>, env: Record<string, string>): string[] {
  const found = new Set<string>();
  const addText = (text: string) => {
    found.add(text);
    const escaped = JSON.stringify(text).slice(1, -1);
    if (escaped !== text) found.add(escaped);
    if (text.includes('\n')) for (const line of text.split('\n')) found.add(line.replace(/\r$/, ''));
  };
  for (const text of Object.values(env)) addText(text);
  const stack: unknown[] = [...values];
  while (stack.length > 0) {
    const current = stack.pop();
    if (typeof current === 'string') addText(current);
    else if (typeof current === 'number') found.add(String(current));
    else if (typeof current === 'object' && current !== null) stack.push(...Object.values(current as Record<string, unknown>));
  }
  return [...found];
}
