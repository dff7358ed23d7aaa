/** The token the administrator pasted: in sessionStorage only, so it dies with the tab; sign-out forgets it. */
const KEY = 'scoped-secrets.token';

export function currentToken(): string | undefined {
  return sessionStorage.getItem(KEY) ?? undefined;
}

export function keepToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function signOut(): void {
  sessionStorage.clear();
}
