/** Audit: events filtered by key, subject and action over a time window, and a chart of reads, writes and denials. */
import { api, describeError, type AuditEvent } from '../api';
import { field, h, replace, showError, status } from '../dom';
import { auditChart } from './audit-chart';

const WINDOWS: Array<[string, number]> = [
  ['last hour', 3_600_000],
  ['last 24 hours', 86_400_000],
  ['last 7 days', 7 * 86_400_000],
];
const ACTIONS = [
  'secret.read',
  'secret.write',
  'secret.delete',
  'secret.list',
  'secret.expired',
  'token.create',
  'token.revoke',
  'token.list',
  'token.exchange',
  'trust.set',
  'trust.delete',
  'wrap.create',
  'wrap.unwrap',
  'wrap.expired',
  'dynamic.configure',
  'dynamic.delete',
  'lease.create',
  'lease.renew',
  'lease.revoke',
  'lease.revoked',
  'lease.revoke_failed',
  'auth.denied',
];
/** At most this many events are fetched for one view: ten pages. */
const MAX_EVENTS = 5000;

export function auditView(main: HTMLElement): void {
  const key = h('input', { name: 'key', spellcheck: 'false' });
  const subject = h('input', { name: 'subject', spellcheck: 'false' });
  const action = h(
    'select',
    { name: 'action' },
    h('option', { value: '' }, 'any'),
    ...ACTIONS.map((name) => h('option', { value: name }, name)),
  );
  const window = h(
    'select',
    { name: 'window' },
    ...WINDOWS.map(([label, ms], index) => h('option', { value: ms, selected: index === 1 }, label)),
  );
  const message = status();
  const chartBox = h('div', {});
  const rows = h('tbody', {});
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'filter events' },
    field('Key', key),
    field('Subject', subject),
    field('Action', action),
    field('Time', window),
    h('button', { type: 'submit' }, 'Show'),
  );

  const load = async () => {
    const to = Date.now();
    const from = to - Number(window.value);
    const query = new URLSearchParams({ since: new Date(from).toISOString(), limit: '500' });
    if (key.value.trim()) query.set('key', key.value.trim());
    if (subject.value.trim()) query.set('subject', subject.value.trim());
    const events: AuditEvent[] = [];
    let continuation: string | undefined;
    do {
      if (continuation) query.set('continuationToken', continuation);
      const { body } = await api<{ events: AuditEvent[]; continuationToken?: string }>('GET', `/v1/audit?${query.toString()}`);
      events.push(...body.events);
      continuation = body.continuationToken;
    } while (continuation && events.length < MAX_EVENTS);
    const shown = action.value ? events.filter((event) => event.action === action.value) : events;
    replace(chartBox, auditChart(shown, from, to));
    replace(
      rows,
      ...shown
        .slice(-200)
        .reverse()
        .map((event) =>
          h(
            'tr',
            { class: event.outcome >= 400 ? 'failed' : '' },
            h('td', {}, new Date(event.time).toLocaleString()),
            h('td', {}, event.action),
            h('td', {}, String(event.outcome)),
            h('td', {}, event.subject ?? ''),
            h('td', {}, event.key ?? ''),
            h('td', {}, event.client ?? ''),
          ),
        ),
    );
    message.className = 'status';
    message.textContent = `${shown.length} event${shown.length === 1 ? '' : 's'}${shown.length > 200 ? ', the newest 200 listed' : ''}${continuation ? ' (more exist: narrow the filters)' : ''}.`;
  };
  const reload = () => void load().catch((error: unknown) => showError(message, describeError(error)));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    reload();
  });

  replace(
    main,
    h('h1', { tabindex: -1 }, 'Audit'),
    form,
    chartBox,
    message,
    h(
      'table',
      { class: 'audit' },
      h(
        'thead',
        {},
        h('tr', {}, ...['Time', 'Action', 'Outcome', 'Subject', 'Key', 'Client'].map((title) => h('th', { scope: 'col' }, title))),
      ),
      rows,
    ),
  );
  reload();
}
