/**
 * The names and passwords of drawn credentials, and the statements made
 * from a backend's templates. Both are generated here from a small
 * alphabet, never taken from a request, so that a template can quote them
 * without escaping and no caller can put text of its own into a statement.
 */
import { randomInt } from 'node:crypto';
import { InvalidRequest } from '../errors';

const LOWER = 'abcdefghijklmnopqrstuvwxyz0123456789';
const MIXED = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomText(alphabet: string, length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += alphabet[randomInt(alphabet.length)];
  return text;
}

/** `ss_` and 20 characters (103 bits): within every kind's limit on user names (PostgreSQL's is 63 bytes). */
export function newCredentialName(): string {
  return `ss_${randomText(LOWER, 20)}`;
}

/** 32 letters and digits (190 bits): no character that a statement, a URL or a shell would need to escape. */
export function newCredentialPassword(): string {
  return randomText(MIXED, 32);
}

export const PLACEHOLDERS = ['name', 'password', 'expiration'] as const;
const PLACEHOLDER = /\{\{\s*([A-Za-z_]+)\s*\}\}/g;

/** Checks a template list when a backend is written: known placeholders only, and `required` in at least one of them. */
export function checkTemplates(field: string, templates: readonly string[], required: readonly string[]): void {
  if (templates.length === 0) throw new InvalidRequest(`${field}: give at least one statement`);
  const used = new Set<string>();
  for (const template of templates) {
    for (const match of template.matchAll(PLACEHOLDER)) {
      const name = match[1] as string;
      if (!(PLACEHOLDERS as readonly string[]).includes(name))
        throw new InvalidRequest(
          `${field}: unknown placeholder {{${name}}}; the placeholders are ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}`,
        );
      used.add(name);
    }
  }
  for (const name of required) if (!used.has(name)) throw new InvalidRequest(`${field}: no statement uses {{${name}}}`);
}

/** The statement with its placeholders filled in. */
export function renderTemplate(template: string, values: { name: string; password?: string; expiration?: string }): string {
  return template.replace(PLACEHOLDER, (_match, name: string) => {
    const value = (values as Record<string, string | undefined>)[name];
    return value ?? '';
  });
}

/** An expiry as SQL's timestamp literal, in UTC: `2026-12-08 10:00:00+00`. */
export function sqlTimestamp(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}+00`;
}
