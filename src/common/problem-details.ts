/**
 * Errors as RFC 9457 problem details: `type`, `title`, `status` and
 * `detail`, with our own `code`, `message` (the same text as `detail`),
 * `requestId` and, for some codes, `details`. One shape for the server, the
 * sealed server, the raw HTTP 400 and the local auth proxy alike.
 */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** A URN, not a URL: it names the kind of error and is never fetched. */
export function problemType(code: string): string {
  return `urn:scoped-secrets:error:${code}`;
}

/** `SecretNotFound` → `Secret not found`: the code, as words. */
export function problemTitle(code: string): string {
  const words = code.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export interface Problem {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly requestId: string;
  readonly details?: unknown;
}

export function problemBody(problem: Problem): Record<string, unknown> {
  const body: Record<string, unknown> = {
    type: problemType(problem.code),
    title: problemTitle(problem.code),
    status: problem.status,
    detail: problem.message,
    code: problem.code,
    message: problem.message,
    requestId: problem.requestId,
  };
  if (problem.details !== undefined) body.details = problem.details;
  return body;
}
