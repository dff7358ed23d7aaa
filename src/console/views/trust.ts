/** Trust rules: which CI identities (ID-token claims) get which scopes. List, create, edit, delete. */
import { api, describeError, type TrustRule } from '../api';
import { field, h, replace, showError, showOk, status } from '../dom';

export function trustView(main: HTMLElement): void {
  const rows = h('tbody', {});
  const message = status();
  const name = h('input', { name: 'name', required: true, spellcheck: 'false' });
  const issuer = h('input', { name: 'issuer', required: true, spellcheck: 'false' });
  const claims = h('textarea', { name: 'claims', rows: 4, spellcheck: 'false', required: true });
  const scopes = h('textarea', { name: 'scopes', rows: 3, spellcheck: 'false', required: true });
  const subject = h('input', { name: 'subject', spellcheck: 'false' });
  const ttl = h('input', { name: 'ttl', type: 'number', min: 60, max: 31_536_000, value: 900, required: true });
  const description = h('input', { name: 'description' });
  const formMessage = status();
  const form = h(
    'form',
    { class: 'card', 'aria-label': 'trust rule' },
    h('h2', {}, 'Create or edit a rule'),
    field('Name', name),
    field('Issuer', issuer, 'a configured issuer, such as github'),
    field('Claims (JSON: claim → pattern)', claims, '{"repository": "acme/api", "ref": "refs/heads/main"}'),
    field('Scopes, one per line', scopes, 'may hold {claim} placeholders'),
    field('Subject (optional)', subject),
    field('Token lifetime (seconds)', ttl),
    field('Description (optional)', description),
    h('button', { type: 'submit' }, 'Save rule'),
    formMessage,
  );

  const edit = (rule: TrustRule) => {
    name.value = rule.name;
    issuer.value = rule.issuer;
    claims.value = JSON.stringify(rule.claims, null, 2);
    scopes.value = rule.scopes.join('\n');
    subject.value = rule.subject ?? '';
    ttl.value = String(rule.ttl);
    description.value = rule.description ?? '';
    name.focus();
  };

  const load = () => {
    api<{ rules: TrustRule[] }>('GET', '/v1/trust')
      .then(({ body }) => {
        replace(
          rows,
          ...body.rules.map((rule) =>
            h(
              'tr',
              {},
              h('td', {}, rule.name),
              h('td', {}, rule.issuer),
              h('td', {}, h('code', {}, JSON.stringify(rule.claims))),
              h('td', {}, ...rule.scopes.map((scope) => h('code', { class: 'block' }, scope))),
              h('td', {}, `${rule.ttl} s`),
              h(
                'td',
                {},
                h('button', { type: 'button', 'aria-label': `edit ${rule.name}`, onclick: () => edit(rule) }, 'Edit'),
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'danger',
                    'aria-label': `delete ${rule.name}`,
                    onclick: () => {
                      api('DELETE', `/v1/trust/${encodeURIComponent(rule.name)}`)
                        .then(() => (showOk(message, `Deleted ${rule.name}.`), load()))
                        .catch((error: unknown) => showError(message, describeError(error)));
                    },
                  },
                  'Delete',
                ),
              ),
            ),
          ),
        );
        if (body.rules.length === 0) rows.append(h('tr', {}, h('td', { colspan: 6 }, 'No rules your token may read.')));
      })
      .catch((error: unknown) => showError(message, describeError(error)));
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    let parsedClaims: unknown;
    try {
      parsedClaims = JSON.parse(claims.value);
    } catch (error) {
      return showError(formMessage, `Claims are not valid JSON: ${(error as Error).message}`);
    }
    const body: Record<string, unknown> = {
      issuer: issuer.value.trim(),
      claims: parsedClaims,
      scopes: scopes.value
        .split('\n')
        .map((s) => s.trim())
        .filter(Boolean),
      ttl: Number(ttl.value),
    };
    if (subject.value.trim()) body.subject = subject.value.trim();
    if (description.value.trim()) body.description = description.value.trim();
    api('PUT', `/v1/trust/${encodeURIComponent(name.value.trim())}`, { body })
      .then(({ status: code }) => (showOk(formMessage, `${code === 201 ? 'Created' : 'Saved'} ${name.value.trim()}.`), load()))
      .catch((error: unknown) => showError(formMessage, describeError(error)));
  });

  replace(
    main,
    h('h1', { tabindex: -1 }, 'Trust rules'),
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h('tr', {}, ...['Name', 'Issuer', 'Claims', 'Scopes', 'Lifetime', 'Actions'].map((title) => h('th', { scope: 'col' }, title))),
      ),
      rows,
    ),
    message,
    form,
  );
  load();
}
