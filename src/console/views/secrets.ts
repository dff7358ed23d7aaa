/** The secret tree: one level of a prefix at a time, paginated, with versions and expiry; and a form for a new secret. */
import { api, ApiError, describeError, keyPath, type SecretMetadata } from '../api';
import { field, h, replace, showError, status } from '../dom';
import { navigate, prefixHash, secretHash } from '../nav';
import { EXPIRY_PRESETS, expiryClass, relative } from '../time';

interface Folder {
  readonly prefix: string;
  count: number;
}

function expiryCell(expires: string): HTMLElement {
  const kind = expiryClass(expires);
  const note = kind === 'expired' ? ' (expired)' : kind === 'soon' ? ' (within 24 h)' : '';
  return h('td', { class: `expiry ${kind}`, title: expires }, `${relative(expires)}${note}`);
}

function breadcrumb(prefix: string): HTMLElement {
  const parts = prefix.split('/').filter((part) => part !== '');
  const crumbs: Array<Node | string> = [h('a', { href: prefixHash('') }, 'all')];
  parts.forEach((part, index) => {
    crumbs.push(' / ', h('a', { href: prefixHash(parts.slice(0, index + 1).join('/')) }, part));
  });
  return h('nav', { 'aria-label': 'prefix', class: 'breadcrumb' }, ...crumbs);
}

function newSecretForm(prefix: string): HTMLElement {
  const key = h('input', { name: 'key', required: true, value: prefix === '' ? '' : `${prefix}/`, spellcheck: 'false' });
  const value = h('textarea', { name: 'value', rows: 5, required: true, spellcheck: 'false' });
  value.value = '{\n  \n}';
  const expiry = h(
    'select',
    { name: 'expiry' },
    ...EXPIRY_PRESETS.map(([label, ms], index) => h('option', { value: ms, selected: index === 2 }, label)),
  );
  const message = status();
  const form = h(
    'form',
    { class: 'card', 'aria-label': 'new secret' },
    h('h2', {}, 'New secret'),
    field('Key', key, 'segments of letters, digits, _ . - separated by /'),
    field('Value (a JSON object)', value),
    field('Expires in', expiry),
    h('button', { type: 'submit' }, 'Create'),
    message,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    let parsed: unknown;
    try {
      parsed = JSON.parse(value.value);
    } catch (error) {
      return showError(message, `The value is not valid JSON: ${(error as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      return showError(message, 'The value must be a JSON object, such as {"password": "…"}');
    const expires = new Date(Date.now() + Number(expiry.value)).toISOString();
    api('PUT', `/v1/secret/${keyPath(key.value.trim())}`, { body: { value: parsed, expires }, headers: { 'If-None-Match': '*' } })
      .then(() => {
        value.value = '';
        navigate(secretHash(key.value.trim()));
      })
      .catch((error: unknown) =>
        showError(
          message,
          error instanceof ApiError
            ? error.status === 412
              ? `${key.value} already exists`
              : `${error.code}: ${error.message}`
            : String(error),
        ),
      );
  });
  return form;
}

export function secretsView(main: HTMLElement, prefix: string): void {
  const rows = h('tbody', {});
  const message = status();
  const more = h('button', { type: 'button', hidden: true }, 'Load more');
  const folders = new Map<string, Folder>();
  let continuation: string | undefined;

  const folderRow = (folder: Folder) =>
    h(
      'tr',
      { class: 'folder' },
      h('td', {}, h('a', { href: prefixHash(folder.prefix) }, `${folder.prefix.slice(base.length)}/`)),
      h('td', { colspan: 3 }, `${folder.count} secret${folder.count === 1 ? '' : 's'} so far`),
    );

  // A prefix is whole segments: `ci` lists the key ci itself and everything under ci/.
  const base = prefix === '' ? '' : `${prefix}/`;
  const show = (secrets: SecretMetadata[]) => {
    for (const secret of secrets) {
      const rest = secret.key === prefix ? secret.key : secret.key.slice(base.length);
      const slash = secret.key === prefix ? -1 : rest.indexOf('/');
      if (slash > 0) {
        const sub = `${base}${rest.slice(0, slash)}`;
        const folder = folders.get(sub) ?? { prefix: sub, count: 0 };
        folder.count += 1;
        folders.set(sub, folder);
        continue;
      }
      rows.append(
        h(
          'tr',
          {},
          h('td', {}, h('a', { href: secretHash(secret.key) }, rest)),
          h('td', {}, `v${secret.version}`),
          h('td', { title: secret.updated }, relative(secret.updated)),
          expiryCell(secret.expires),
        ),
      );
    }
    for (const row of [...rows.querySelectorAll('tr.folder')]) row.remove();
    rows.prepend(...[...folders.values()].map(folderRow));
  };

  const load = () => {
    const query = new URLSearchParams({ limit: '100' });
    if (prefix !== '') query.set('prefix', prefix);
    if (continuation) query.set('continuationToken', continuation);
    api<{ secrets: SecretMetadata[]; continuationToken?: string }>('GET', `/v1/secrets?${query.toString()}`)
      .then(({ body }) => {
        show(body.secrets);
        continuation = body.continuationToken;
        more.hidden = continuation === undefined;
        if (rows.childElementCount === 0 && !continuation) message.textContent = 'Nothing here that your token may list.';
      })
      .catch((error: unknown) => showError(message, describeError(error)));
  };
  more.addEventListener('click', load);

  replace(
    main,
    h('h1', { tabindex: -1 }, prefix === '' ? 'Secrets' : `Secrets under ${prefix}`),
    breadcrumb(prefix),
    h(
      'table',
      { class: 'secrets' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Key'),
          h('th', { scope: 'col' }, 'Version'),
          h('th', { scope: 'col' }, 'Updated'),
          h('th', { scope: 'col' }, 'Expires'),
        ),
      ),
      rows,
    ),
    more,
    message,
    newSecretForm(prefix),
  );
  load();
}
