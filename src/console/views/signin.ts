/** Sign in by pasting a token: checked with /v1/whoami, then kept in sessionStorage. */
import { api, ApiError, type Whoami } from '../api';
import { field, h, showError, status } from '../dom';
import { keepToken } from '../session';

export function signInView(onSignedIn: (who: Whoami) => Promise<void>): HTMLElement {
  const input = h('input', { type: 'password', name: 'token', autocomplete: 'off', spellcheck: 'false', required: true });
  const message = status();
  const form = h(
    'form',
    { class: 'signin' },
    h('h1', { tabindex: -1 }, 'Sign in to scoped-secrets'),
    h('p', {}, 'Paste a token. It stays in this tab only (sessionStorage) and is forgotten when you sign out or close the tab.'),
    field('Token', input),
    h('button', { type: 'submit' }, 'Sign in'),
    message,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const token = input.value.trim();
    api<Whoami>('GET', '/v1/whoami', { token })
      .then(async ({ body }) => {
        keepToken(token);
        input.value = '';
        await onSignedIn(body);
      })
      .catch((error: unknown) =>
        showError(message, error instanceof ApiError ? `${error.code}: ${error.message}` : 'the service could not be reached'),
      );
  });
  return form;
}
