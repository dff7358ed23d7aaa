/** The console: a hash router over a few views, each talking to the public /v1 API with the pasted token. */
import { api, ApiError, type Whoami } from './api';
import { keyProblem } from '../secrets/secret-key';
import { h, replace } from './dom';
import { navigate } from './nav';
import { currentToken, signOut } from './session';
import { relative } from './time';
import { auditView } from './views/audit';
import { secretView } from './views/secret';
import { secretsView } from './views/secrets';
import { signInView } from './views/signin';
import { tokensView } from './views/tokens';
import { trustView } from './views/trust';

const root = document.getElementById('app') as HTMLElement;
let me: Whoami | undefined;
let clock: number | undefined;

function header(who: Whoami): HTMLElement {
  const left = h('span', { class: 'time-left' });
  const tick = () => {
    const expired = Date.parse(who.expires) <= Date.now();
    left.textContent = expired ? 'token expired' : `expires ${relative(who.expires)}`;
    if (expired) {
      signOut();
      navigate('#/signin');
    }
  };
  tick();
  window.clearInterval(clock);
  clock = window.setInterval(tick, 30_000);
  const link = (hash: string, text: string) =>
    h('a', { href: hash, 'aria-current': location.hash.startsWith(hash) ? 'page' : undefined }, text);
  return h(
    'header',
    {},
    h(
      'nav',
      { 'aria-label': 'main' },
      h('strong', {}, 'scoped-secrets'),
      link('#/secrets', 'Secrets'),
      link('#/tokens', 'Tokens'),
      link('#/trust', 'Trust rules'),
      link('#/audit', 'Audit'),
    ),
    h(
      'div',
      { class: 'who' },
      h('span', { class: 'subject' }, who.subject),
      h(
        'details',
        {},
        h('summary', {}, `${who.scopes.length} scope${who.scopes.length === 1 ? '' : 's'}`),
        h('ul', { class: 'scopes' }, ...who.scopes.map((scope) => h('li', {}, h('code', {}, scope)))),
      ),
      left,
      h('button', { type: 'button', onclick: () => (signOut(), (me = undefined), navigate('#/signin')) }, 'Sign out'),
    ),
  );
}

async function route(): Promise<void> {
  const [path = '', query = ''] = location.hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(query);
  if (!currentToken() || path === '/signin') {
    window.clearInterval(clock);
    replace(
      root,
      h(
        'main',
        {},
        signInView(async (who) => ((me = who), navigate('#/secrets'))),
      ),
    );
    return;
  }
  try {
    me ??= (await api<Whoami>('GET', '/v1/whoami')).body;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      signOut();
      navigate('#/signin');
      return;
    }
    throw error;
  }
  const main = h('main', {});
  replace(root, header(me), main);
  if (path.startsWith('/secret/')) {
    // A link can say anything: a key that is not one (`../../v1/trust/x`) must never become a request path.
    const key = keyFromLink(path.slice('/secret/'.length));
    if (key.problem === undefined) secretView(main, key.value);
    else
      replace(main, h('h1', { tabindex: -1 }, 'Not a secret'), h('p', { role: 'alert' }, `This link names no valid key: ${key.problem}.`));
  } else if (path === '/tokens') tokensView(main, me);
  else if (path === '/trust') trustView(main);
  else if (path === '/audit') auditView(main);
  else {
    const prefix = params.get('prefix') ?? '';
    secretsView(main, prefix === '' || keyProblem(prefix) === undefined ? prefix : '');
  }
  main.querySelector('h1')?.focus();
}

function keyFromLink(encoded: string): { value: string; problem?: string } {
  let value: string;
  try {
    value = decodeURIComponent(encoded);
  } catch {
    return { value: encoded, problem: 'it is not valid percent-encoding' };
  }
  return { value, problem: keyProblem(value) };
}

window.addEventListener('hashchange', () => void route());
void route();
