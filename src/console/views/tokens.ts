/** Tokens: derive one (a ScopeEscalation marks the scopes the caller's token does not cover), and revoke by jti. */
import { api, ApiError, describeError, type Whoami } from '../api';
import { field, h, replace, showError, showOk, status } from '../dom';

interface Derived {
  token: string;
  jti: string;
  subject: string;
  scopes: string[];
  expires: string;
}

function scopeLines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

export function tokensView(main: HTMLElement, me: Whoami): void {
  const subject = h('input', { name: 'subject', placeholder: me.subject, spellcheck: 'false' });
  const scopes = h('textarea', { name: 'scopes', rows: 4, spellcheck: 'false', required: true });
  const ttl = h(
    'select',
    { name: 'ttl' },
    h('option', { value: 600 }, '10 minutes'),
    h('option', { value: 3600, selected: true }, '1 hour'),
    h('option', { value: 86_400 }, '1 day'),
  );
  const checked = h('ul', { class: 'scope-check', 'aria-label': 'scopes checked' });
  const result = h('div', {});
  const message = status();
  const derive = h(
    'form',
    { class: 'card', 'aria-label': 'derive a token' },
    h('h2', {}, 'Derive a token'),
    field('Subject (optional)', subject, `defaults to ${me.subject}; another subject needs token:create`),
    field('Scopes, one per line', scopes, 'each must be covered by your own token'),
    field('Lifetime', ttl),
    h('button', { type: 'submit' }, 'Derive'),
    checked,
    message,
    result,
  );
  derive.addEventListener('submit', (event) => {
    event.preventDefault();
    const wanted = scopeLines(scopes.value);
    replace(checked);
    replace(result);
    const body: Record<string, unknown> = { scopes: wanted, ttl: Number(ttl.value) };
    if (subject.value.trim() !== '') body.subject = subject.value.trim();
    api<Derived>('POST', '/v1/tokens', { body })
      .then(({ body: derived }) => {
        showOk(message, `Derived a token for ${derived.subject}, jti ${derived.jti}.`);
        const token = h('input', { readonly: true, value: derived.token, class: 'derived-token', spellcheck: 'false' });
        replace(result, field('Token (shown once)', token, `expires ${derived.expires}; jti ${derived.jti}`));
      })
      .catch((error: unknown) => {
        if (error instanceof ApiError && error.code === 'ScopeEscalation') {
          const uncovered = new Set(Array.isArray(error.details?.uncovered) ? (error.details.uncovered as string[]) : []);
          showError(message, `ScopeEscalation: your token does not cover ${uncovered.size} of these scopes.`);
          replace(
            checked,
            ...wanted.map((scope) =>
              h(
                'li',
                { class: uncovered.has(scope) ? 'uncovered' : 'covered' },
                h('code', {}, scope),
                uncovered.has(scope) ? ' — not covered by your token' : ' — covered',
              ),
            ),
          );
        } else showError(message, describeError(error));
      });
  });

  const jti = h('input', { name: 'jti', required: true, pattern: '[A-Za-z0-9_-]{1,128}', spellcheck: 'false' });
  const revokeMessage = status();
  const revoke = h(
    'form',
    { class: 'card', 'aria-label': 'revoke a token' },
    h('h2', {}, 'Revoke a token'),
    field('jti', jti, 'the token and every token derived from it stop working within seconds'),
    h('button', { type: 'submit', class: 'danger' }, 'Revoke'),
    revokeMessage,
  );
  revoke.addEventListener('submit', (event) => {
    event.preventDefault();
    api('POST', '/v1/tokens/revoke', { body: { jti: jti.value.trim() } })
      .then(() => showOk(revokeMessage, `Revoked ${jti.value.trim()}.`))
      .catch((error: unknown) => showError(revokeMessage, describeError(error)));
  });

  replace(main, h('h1', { tabindex: -1 }, 'Tokens'), derive, revoke);
}
