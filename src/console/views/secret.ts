/**
 * One secret: metadata, versions, the value hidden until "Reveal" (an
 * audited read), copy, edit with If-Match, delete after typing the key,
 * and "Share once" (a wrap token, shown once).
 */
import { api, ApiError, describeError, keyPath, type Secret, type SecretMetadata } from '../api';
import { field, h, replace, showError, showOk, status } from '../dom';
import { navigate, prefixHash } from '../nav';
import { EXPIRY_PRESETS, expiryClass, relative } from '../time';

function parentPrefix(key: string): string {
  const slash = key.lastIndexOf('/');
  return slash < 0 ? '' : key.slice(0, slash);
}

async function metadataOf(key: string): Promise<SecretMetadata | undefined> {
  try {
    const { body } = await api<{ secrets: SecretMetadata[] }>(
      'GET',
      `/v1/secrets?${new URLSearchParams({ prefix: key, limit: '5' }).toString()}`,
    );
    return body.secrets.find((secret) => secret.key === key);
  } catch {
    return undefined;
  }
}

function metadataList(meta: SecretMetadata): HTMLElement {
  const kind = expiryClass(meta.expires);
  return h(
    'dl',
    { class: 'metadata' },
    h('dt', {}, 'Version'),
    h('dd', { class: 'version' }, String(meta.version)),
    h('dt', {}, 'Updated'),
    h('dd', { title: meta.updated }, relative(meta.updated)),
    h('dt', {}, 'Expires'),
    h(
      'dd',
      { class: `expiry ${kind}`, title: meta.expires },
      `${relative(meta.expires)}${kind === 'soon' ? ' (within 24 h)' : kind === 'expired' ? ' (expired)' : ''}`,
    ),
  );
}

export function secretView(main: HTMLElement, key: string): void {
  let current: Secret | undefined;
  let meta: SecretMetadata | undefined;
  const metaBox = h('div', {}, h('p', {}, 'Loading…'));
  const valueBox = h('div', { class: 'value', 'aria-live': 'polite' });
  const message = status();
  const versionsBox = h('div', {});

  const reveal = h('button', { type: 'button' }, 'Reveal');
  const hide = h('button', { type: 'button', hidden: true }, 'Hide');
  const copy = h('button', { type: 'button', hidden: true }, 'Copy');
  const edit = h('button', { type: 'button', hidden: true }, 'Edit');

  const showMeta = (found: SecretMetadata | undefined) => {
    meta = found;
    replace(metaBox, found ? metadataList(found) : h('p', {}, 'Metadata shows after "Reveal" (your token may not list this key).'));
    replace(versionsBox);
    if (found && found.version > 1) {
      const pick = h(
        'select',
        {},
        ...Array.from({ length: Math.min(found.version - 1, 20) }, (_unused, index) =>
          h('option', { value: found.version - 1 - index }, `version ${found.version - 1 - index}`),
        ),
      );
      const older = h('div', { class: 'value' });
      const view = h('button', { type: 'button' }, 'Reveal this version');
      view.addEventListener('click', () => {
        api<Secret>('GET', `/v1/secret/${keyPath(key)}?version=${pick.value}`)
          .then(({ body }) => replace(older, h('pre', {}, JSON.stringify(body.value, null, 2))))
          .catch((error: unknown) => replace(older, h('p', { class: 'status error', role: 'alert' }, describeError(error))));
      });
      versionsBox.append(
        h('h2', {}, 'Earlier versions'),
        h('p', {}, 'Needs secret:history as well as secret:get.'),
        field('Version', pick),
        view,
        older,
      );
    }
  };

  const hideValue = () => {
    current = undefined;
    replace(valueBox, h('p', { class: 'hidden-value' }, '••••••••  hidden until you reveal it'));
    reveal.hidden = false;
    hide.hidden = true;
    copy.hidden = true;
    edit.hidden = true;
  };

  reveal.addEventListener('click', () => {
    api<Secret>('GET', `/v1/secret/${keyPath(key)}`)
      .then(({ body }) => {
        current = body;
        showMeta({ key, version: body.version, expires: body.expires, updated: body.updated });
        replace(valueBox, h('pre', { class: 'revealed' }, JSON.stringify(body.value, null, 2)));
        reveal.hidden = true;
        hide.hidden = false;
        copy.hidden = false;
        edit.hidden = false;
      })
      .catch((error: unknown) => showError(message, describeError(error)));
  });
  hide.addEventListener('click', hideValue);
  copy.addEventListener('click', () => {
    if (!current) return;
    navigator.clipboard.writeText(JSON.stringify(current.value, null, 2)).then(
      () => showOk(message, 'Copied the value to the clipboard.'),
      () => showError(message, 'The browser refused the clipboard; select the value and copy it instead.'),
    );
  });

  // Editing: JSON with validation, an expiry preset, and If-Match on the version that was revealed.
  const editor = h('textarea', { rows: 8, spellcheck: 'false' });
  const expiry = h(
    'select',
    {},
    h('option', { value: 'keep' }, 'keep the current expiry'),
    ...EXPIRY_PRESETS.map(([label, ms]) => h('option', { value: ms }, label)),
  );
  const editMessage = status();
  const editForm = h(
    'form',
    { class: 'card', hidden: true, 'aria-label': 'edit' },
    h('h2', {}, 'Edit'),
    field('Value (a JSON object)', editor),
    field('Expires', expiry),
    h('button', { type: 'submit' }, 'Save'),
    h('button', { type: 'button', class: 'secondary', onclick: () => (editForm.hidden = true) }, 'Cancel'),
    editMessage,
  );
  edit.addEventListener('click', () => {
    if (!current) return;
    editor.value = JSON.stringify(current.value, null, 2);
    editForm.hidden = false;
    editor.focus();
  });
  editForm.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!current) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(editor.value);
    } catch (error) {
      return showError(editMessage, `Not valid JSON: ${(error as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      return showError(editMessage, 'The value must be a JSON object.');
    const expires = expiry.value === 'keep' ? current.expires : new Date(Date.now() + Number(expiry.value)).toISOString();
    const version = current.version;
    api<SecretMetadata>('PUT', `/v1/secret/${keyPath(key)}`, { body: { value: parsed, expires }, headers: { 'If-Match': `"${version}"` } })
      .then(({ body }) => {
        editForm.hidden = true;
        hideValue();
        showMeta(body);
        showOk(message, `Saved as version ${body.version}.`);
      })
      .catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 412) {
          showError(
            editMessage,
            `Someone else changed this secret since you revealed version ${version}: your edit was not saved. Reveal it again to see their change, then edit that.`,
          );
        } else showError(editMessage, describeError(error));
      });
  });

  // Share once: a wrap token for one reader, shown here once.
  const ttl = h(
    'select',
    {},
    h('option', { value: 600 }, '10 minutes'),
    h('option', { value: 3600 }, '1 hour'),
    h('option', { value: 86_400 }, '1 day'),
  );
  const shared = h('div', {});
  const shareForm = h(
    'form',
    { class: 'card', 'aria-label': 'share once' },
    h('h2', {}, 'Share once'),
    h('p', {}, 'A wrap token hands a copy of the value to one reader, once. It is shown here once.'),
    field('Valid for', ttl),
    h('button', { type: 'submit' }, 'Make a wrap token'),
    shared,
  );
  shareForm.addEventListener('submit', (event) => {
    event.preventDefault();
    api<{ wrapToken: string; expires: string }>('POST', '/v1/wrap', { body: { key, ttl: Number(ttl.value) } })
      .then(({ body }) => {
        const token = h('input', { readonly: true, value: body.wrapToken, class: 'wrap-token', spellcheck: 'false' });
        replace(
          shared,
          field('Wrap token (shown once)', token, `expires ${relative(body.expires)}; the reader runs: scoped-secrets unwrap`),
        );
        token.select();
      })
      .catch((error: unknown) => replace(shared, h('p', { class: 'status error', role: 'alert' }, describeError(error))));
  });

  // Delete: only once the key has been typed.
  const confirm = h('input', { spellcheck: 'false', autocomplete: 'off' });
  const remove = h('button', { type: 'submit', class: 'danger', disabled: true }, 'Delete');
  const deleteMessage = status();
  confirm.addEventListener('input', () => (remove.disabled = confirm.value !== key));
  const deleteForm = h(
    'form',
    { class: 'card danger-zone', 'aria-label': 'delete' },
    h('h2', {}, 'Delete'),
    field(`Type ${key} to delete it and its history`, confirm),
    remove,
    deleteMessage,
  );
  deleteForm.addEventListener('submit', (event) => {
    event.preventDefault();
    if (confirm.value !== key) return;
    const headers: Record<string, string> = meta ? { 'If-Match': `"${meta.version}"` } : {};
    api('DELETE', `/v1/secret/${keyPath(key)}`, { headers })
      .then(() => navigate(prefixHash(parentPrefix(key))))
      .catch((error: unknown) =>
        showError(
          deleteMessage,
          error instanceof ApiError && error.status === 412
            ? 'Someone changed it meanwhile: reload before deleting.'
            : describeError(error),
        ),
      );
  });

  hideValue();
  replace(
    main,
    h(
      'nav',
      { class: 'breadcrumb', 'aria-label': 'prefix' },
      h('a', { href: prefixHash(parentPrefix(key)) }, `← ${parentPrefix(key) || 'all secrets'}`),
    ),
    h('h1', { tabindex: -1 }, key),
    metaBox,
    h(
      'section',
      { 'aria-label': 'value' },
      h('h2', {}, 'Value'),
      valueBox,
      h('div', { class: 'buttons' }, reveal, hide, copy, edit),
      message,
    ),
    editForm,
    versionsBox,
    shareForm,
    deleteForm,
  );
  void metadataOf(key).then(showMeta);
}
