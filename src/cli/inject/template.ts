/**
 * The templates `inject` renders: text with references to secrets,
 * `{{ secret "ci/db" "password" }}` for one field (a string as it is,
 * anything else as JSON) and `{{ secret "ci/db" }}` for the whole value as
 * JSON. Only `{{ secret … }}` is ours: any other `{{ … }}` is left as it is,
 * for the tool that reads the file next. The template is parsed once,
 * before any value is fetched, and values are put in as they are, never
 * read again: a value that looks like a reference stays text.
 */
import { keyProblem } from '../../secrets/secret-key';

export interface SecretReference {
  readonly key: string;
  readonly field?: string;
  /** 1-based, where `{{` stands. */
  readonly line: number;
}

export type TemplatePart = string | SecretReference;

export class TemplateError extends Error {}

const OPENING = /\{\{\s*secret\b/g;
// Sticky: each reads at one position of the template, never a copy of the rest of it.
const SPACE = /\s*/y;
// A double-quoted string, with \" and \\ as its only escapes.
const QUOTED = /"((?:[^"\\]|\\["\\])*)"\s*/y;
const CLOSING = /\}\}/y;

function unquote(text: string): string {
  return text.replace(/\\(["\\])/g, '$1');
}

/** Line numbers for positions met in increasing order, counting each newline once. */
function lineCounter(text: string): (index: number) => number {
  let line = 1;
  let counted = 0;
  return (index) => {
    for (let at = text.indexOf('\n', counted); at !== -1 && at < index; at = text.indexOf('\n', counted)) {
      line++;
      counted = at + 1;
    }
    return line;
  };
}

/** Runs a sticky pattern at `at`: the match and where it ends, or undefined. */
function readAt(pattern: RegExp, text: string, at: number): { match: RegExpExecArray; end: number } | undefined {
  pattern.lastIndex = at;
  const match = pattern.exec(text);
  return match ? { match, end: pattern.lastIndex } : undefined;
}

/** The template as text and references in order; a malformed or invalid reference is a TemplateError naming its line. */
export function parseTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  const lineOf = lineCounter(text);
  let done = 0;
  for (const opening of text.matchAll(OPENING)) {
    const start = opening.index;
    if (start < done) continue;
    const line = lineOf(start);
    let at = readAt(SPACE, text, start + opening[0].length)?.end ?? start + opening[0].length;
    const args: string[] = [];
    for (let quoted = readAt(QUOTED, text, at); quoted; quoted = readAt(QUOTED, text, at)) {
      args.push(unquote(quoted.match[1] ?? ''));
      at = quoted.end;
    }
    const closing = readAt(CLOSING, text, at);
    if (!closing || args.length < 1 || args.length > 2) {
      throw new TemplateError(`line ${line}: expected {{ secret "KEY" }} or {{ secret "KEY" "FIELD" }}`);
    }
    const [key = '', field] = args;
    const problem = keyProblem(key);
    if (problem) throw new TemplateError(`line ${line}: ${key}: ${problem}`);
    if (field === '') throw new TemplateError(`line ${line}: the field of ${key} is empty`);
    if (start > done) parts.push(text.slice(done, start));
    parts.push(field === undefined ? { key, line } : { key, field, line });
    done = closing.end;
  }
  if (done < text.length) parts.push(text.slice(done));
  return parts;
}

export function referencedKeys(parts: readonly TemplatePart[]): string[] {
  return [...new Set(parts.flatMap((part) => (typeof part === 'string' ? [] : [part.key])))];
}

/** The rendered text; every reference to a missing field is named at once. */
export function renderTemplate(parts: readonly TemplatePart[], values: ReadonlyMap<string, Record<string, unknown>>): string {
  const problems: string[] = [];
  const rendered = parts.map((part) => {
    if (typeof part === 'string') return part;
    const value = values.get(part.key) ?? {};
    if (part.field === undefined) return JSON.stringify(value);
    if (!Object.hasOwn(value, part.field)) {
      problems.push(`line ${part.line}: ${part.key} has no field "${part.field}"`);
      return '';
    }
    const field = value[part.field];
    return typeof field === 'string' ? field : JSON.stringify(field);
  });
  if (problems.length > 0) throw new TemplateError(problems.join('; '));
  return rendered.join('');
}
