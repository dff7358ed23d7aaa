/**
 * The admin console in a real browser: Debian's chromium driven by
 * playwright-core against a real `serve`. Every page is checked for console
 * errors; a failing step saves a screenshot (its path is printed).
 * CONSOLE_SCREENSHOTS=<dir> also saves the screenshots the README shows.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { tempDir } from '../support/databases';
import { startServer, type RunningServer } from '../support/processes';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((file) => fs.existsSync(file));
const KEY = 'ci/console/db';
const MARKER = 'console-marker-7f3a';

describe('the admin console in a real browser (chromium)', () => {
  let cwd: string;
  let server: RunningServer;
  let rootToken: string;
  let browser: Browser;
  let page: Page;
  /** Errors the page logged; an API refusal the test provokes is checked by the test, not here. */
  const consoleErrors: string[] = [];
  /** Every /v1 answer of 400 or more, as "status method path". */
  const refusals: string[] = [];
  /** Every response the browser got under /ui, with its CSP. */
  const uiResponses: Array<{ url: string; csp: string | undefined }> = [];
  const secretReads: string[] = [];
  const failures = path.join(os.tmpdir(), 'scoped-secrets-console-failures');
  const shots = process.env.CONSOLE_SCREENSHOTS;

  /** Runs a step; on failure saves a screenshot and says where. Then checks the page logged no error. */
  async function step(name: string, work: () => Promise<void>, expectedRefusals: string[] = []): Promise<void> {
    refusals.length = 0;
    try {
      await work();
    } catch (error) {
      fs.mkdirSync(failures, { recursive: true });
      const file = path.join(failures, `${name.replace(/\W+/g, '-')}.png`);
      await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
      process.stderr.write(`console test "${name}" failed; screenshot: ${file}\n`);
      throw error;
    }
    assert.deepEqual(consoleErrors, [], `console errors on "${name}"`);
    assert.deepEqual(refusals, expectedRefusals, `API refusals on "${name}"`);
  }

  async function shot(name: string): Promise<void> {
    if (shots) await page.screenshot({ path: path.join(shots, `${name}.png`) });
  }

  const api = async (method: string, route: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${server.url}${route}`, {
      method,
      headers: { Authorization: `Bearer ${rootToken}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  };

  async function signIn(token: string): Promise<void> {
    await page.goto(`${server.url}/ui/`);
    await page.getByLabel('Token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  }

  before(async () => {
    assert.ok(CHROMIUM, 'chromium is not installed (apt-get install chromium; .ci/run installs it)');
    cwd = tempDir('scoped-secrets-console-');
    const issuers = path.join(cwd, 'issuers.json');
    fs.writeFileSync(
      issuers,
      JSON.stringify([{ name: 'github', issuer: 'https://token.actions.githubusercontent.com', audience: 'scoped-secrets' }]),
    );
    server = await startServer({ cwd, env: { SECRETS_OIDC_ISSUERS: issuers } });
    rootToken = fs.readFileSync(path.join(cwd, 'data', 'root.token'), 'utf8').trim();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    page.on('response', (response) => {
      const url = new URL(response.url());
      if (url.pathname.startsWith('/ui')) uiResponses.push({ url: url.pathname, csp: response.headers()['content-security-policy'] });
      if (response.status() >= 400) refusals.push(`${response.status()} ${response.request().method()} ${url.pathname}`);
    });
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (request.method() === 'GET' && url.pathname.startsWith('/v1/secret/')) secretReads.push(url.pathname + url.search);
    });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  it('signs in with a pasted token and shows the subject, the scopes and the time left', () =>
    step('sign in', async () => {
      await page.goto(`${server.url}/ui/`);
      await shot('sign-in');
      await signIn(rootToken);
      const header = page.locator('header');
      await header.getByText('root', { exact: true }).waitFor();
      await header.getByText('6 scopes').waitFor();
      assert.match((await header.locator('.time-left').textContent()) ?? '', /^expires in \d+ d$/);
      assert.equal(await page.evaluate('sessionStorage.length'), 1);
      assert.equal(await page.evaluate('localStorage.length + document.cookie.length'), 0);
    }));

  it('creates a secret, and its page holds no value before "Reveal"', () =>
    step('create', async () => {
      await page.getByLabel('Key').fill(KEY);
      await page.getByLabel('Value (a JSON object)').fill(`{"password": "${MARKER}-v1"}`);
      await page.getByLabel('Expires in').selectOption({ label: '7 days' });
      await page.getByRole('button', { name: 'Create' }).click();
      await page.getByRole('heading', { level: 1, name: KEY }).waitFor();
      await page.locator('.metadata .version').getByText('1').waitFor();
      assert.equal((await api('GET', `/v1/secret/${KEY}`)).body.value.password, `${MARKER}-v1`);
      assert.deepEqual(secretReads, [], 'the page read no value');
      assert.equal((await page.content()).includes(MARKER), false);
      assert.equal(await page.evaluate(`JSON.stringify({ ...sessionStorage }).includes(${JSON.stringify(MARKER)})`), false);
    }));

  it('reveals the value on request, an audited read', () =>
    step('reveal', async () => {
      await page.getByRole('button', { name: 'Reveal', exact: true }).click();
      await page.locator('pre.revealed').getByText(`${MARKER}-v1`).waitFor();
      assert.deepEqual(secretReads, [`/v1/secret/${KEY}`]);
      await shot('secret-revealed');
    }));

  it('edits with If-Match and says so clearly when a second writer came first', () =>
    step(
      'edit conflict',
      async () => {
        await page.getByRole('button', { name: 'Edit' }).click();
        await page.getByLabel('Value (a JSON object)').fill(`{"password": "${MARKER}-mine"}`);
        assert.equal(
          (
            await api('PUT', `/v1/secret/${KEY}`, {
              value: { password: `${MARKER}-theirs` },
              expires: new Date(Date.now() + 86_400_000).toISOString(),
            })
          ).status,
          200,
        );
        await page.getByRole('button', { name: 'Save' }).click();
        await page.getByText('Someone else changed this secret since you revealed version 1').waitFor();
        await shot('edit-conflict');
        assert.equal((await api('GET', `/v1/secret/${KEY}`)).body.value.password, `${MARKER}-theirs`);

        await page.getByRole('button', { name: 'Cancel' }).click();
        await page.getByRole('button', { name: 'Hide' }).click();
        await page.getByRole('button', { name: 'Reveal', exact: true }).click();
        await page.locator('pre.revealed').getByText(`${MARKER}-theirs`).waitFor();
        await page.getByRole('button', { name: 'Edit' }).click();
        await page.getByLabel('Value (a JSON object)').fill('{"password": 42');
        await page.getByRole('button', { name: 'Save' }).click();
        await page.getByText(/^Not valid JSON: /).waitFor();
        await page.getByLabel('Value (a JSON object)').fill(`{"password": "${MARKER}-v3"}`);
        await page.getByRole('button', { name: 'Save' }).click();
        await page.getByText('Saved as version 3.').waitFor();
        assert.equal((await api('GET', `/v1/secret/${KEY}`)).body.value.password, `${MARKER}-v3`);
      },
      ['412 PUT /v1/secret/ci/console/db'],
    ));

  it('shares the value once with a wrap token that unwraps once', () =>
    step('share once', async () => {
      await page.getByRole('button', { name: 'Make a wrap token' }).click();
      const wrapToken = await page.locator('input.wrap-token').inputValue();
      assert.match(wrapToken, /^sswrap_[A-Za-z0-9_-]{43}$/);
      const unwrap = () =>
        fetch(`${server.url}/v1/unwrap`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ wrapToken }),
        });
      const first = await unwrap();
      assert.equal(first.status, 200);
      assert.equal(((await first.json()) as { value: { password: string } }).value.password, `${MARKER}-v3`);
      assert.equal((await unwrap()).status, 404);
    }));

  it('deletes the secret only after its key is typed', () =>
    step('delete', async () => {
      const remove = page.getByRole('button', { name: 'Delete' });
      assert.equal(await remove.isDisabled(), true);
      await page.getByLabel(`Type ${KEY} to delete it and its history`).fill('ci/console/d');
      assert.equal(await remove.isDisabled(), true);
      await page.getByLabel(`Type ${KEY} to delete it and its history`).fill(KEY);
      await remove.click();
      await page.getByRole('heading', { level: 1, name: 'Secrets under ci/console' }).waitFor();
      assert.equal((await api('GET', `/v1/secret/${KEY}`)).status, 404);
    }));

  it('creates, edits and deletes a trust rule', () =>
    step('trust rules', async () => {
      await page.getByRole('link', { name: 'Trust rules' }).click();
      await page.getByText('No rules your token may read.').waitFor();
      await page.getByLabel('Name').fill('gh-main');
      await page.getByLabel('Issuer').fill('github');
      await page.getByLabel('Claims (JSON: claim → pattern)').fill('{"repository": "acme/api", "ref": "refs/heads/main"}');
      await page.getByLabel('Scopes, one per line').fill('secret:get:ci/acme/**');
      await page.getByLabel('Token lifetime (seconds)').fill('900');
      await page.getByRole('button', { name: 'Save rule' }).click();
      await page.getByText('Created gh-main.').waitFor();
      await page.getByRole('cell', { name: '900 s' }).waitFor();

      await page.getByRole('button', { name: 'edit gh-main' }).click();
      assert.equal(await page.getByLabel('Issuer').inputValue(), 'github');
      await page.getByLabel('Token lifetime (seconds)').fill('600');
      await page.getByRole('button', { name: 'Save rule' }).click();
      await page.getByText('Saved gh-main.').waitFor();
      await page.getByRole('cell', { name: '600 s' }).waitFor();
      assert.equal((await api('GET', '/v1/trust/gh-main')).body.ttl, 600);

      await page.getByRole('button', { name: 'delete gh-main' }).click();
      await page.getByText('Deleted gh-main.').waitFor();
      assert.equal((await api('GET', '/v1/trust/gh-main')).status, 404);
    }));

  it('draws the audit chart of reads, writes and denials, and lists the events', () =>
    step('audit', async () => {
      await page.getByRole('link', { name: 'Audit' }).click();
      await page.locator('svg.chart rect.bar').first().waitFor();
      assert.ok((await page.locator('svg.chart rect.bar.reads').count()) >= 1);
      assert.ok((await page.locator('svg.chart rect.bar.writes').count()) >= 1);
      assert.match(
        (await page.locator('svg.chart').getAttribute('aria-label')) ?? '',
        /^audit events over time: \d+ reads, \d+ writes, \d+ denials$/,
      );
      await page.locator('table.audit td').getByText('secret.delete').first().waitFor();
      await shot('audit');
      const writes = ((await api('GET', `/v1/audit?key=${KEY}`)).body.events as Array<{ action: string }>).filter(
        (event) => event.action === 'secret.write',
      );
      assert.ok(writes.length >= 3);
      await page.getByLabel('Action').selectOption('secret.write');
      await page.getByRole('button', { name: 'Show' }).click();
      await page.getByText(`${writes.length} events.`, { exact: true }).waitFor();
    }));

  it('derives a token, showing a ScopeEscalation next to the scopes the signed-in token does not cover', () =>
    step(
      'tokens',
      async () => {
        const narrow = await api('POST', '/v1/tokens', {
          subject: 'ci/console-user',
          scopes: ['secret:get:ci/**', 'secret:list:ci/**'],
          ttl: 3600,
        });
        assert.equal(narrow.status, 201);
        await page.getByRole('button', { name: 'Sign out' }).click();
        await signIn(narrow.body.token as string);
        await page.getByRole('link', { name: 'Tokens' }).click();
        await page.getByLabel('Scopes, one per line').fill('secret:get:ci/deploy/**\nsecret:set:ci/**');
        await page.getByRole('button', { name: 'Derive' }).click();
        await page.getByText('ScopeEscalation: your token does not cover 1 of these scopes.').waitFor();
        assert.equal(await page.locator('.scope-check li.uncovered').textContent(), 'secret:set:ci/** — not covered by your token');
        assert.equal(await page.locator('.scope-check li.covered').textContent(), 'secret:get:ci/deploy/** — covered');
        await shot('token-escalation');

        await page.getByLabel('Scopes, one per line').fill('secret:get:ci/deploy/**');
        await page.getByRole('button', { name: 'Derive' }).click();
        const derived = await page.locator('input.derived-token').inputValue();
        const whoami = await fetch(`${server.url}/v1/whoami`, { headers: { Authorization: `Bearer ${derived}` } });
        assert.deepEqual(((await whoami.json()) as { scopes: string[] }).scopes, ['secret:get:ci/deploy/**']);
      },
      ['403 POST /v1/tokens'],
    ));

  it('labels every control, and reads at a phone width without scrolling sideways', () =>
    step(
      'layout',
      async () => {
        for (const hash of ['#/secrets', '#/tokens', '#/trust', '#/audit']) {
          await page.goto(`${server.url}/ui/${hash}`);
          await page.locator('h1').waitFor();
          const unlabelled = await page.evaluate(
            "[...document.querySelectorAll('input, select, textarea')].filter((control) => control.labels.length === 0).map((control) => control.outerHTML)",
          );
          assert.deepEqual(unlabelled, [], hash);
          await page.setViewportSize({ width: 375, height: 800 });
          assert.ok(
            await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth + 1'),
            `${hash} scrolls sideways at 375 px`,
          );
          await page.setViewportSize({ width: 1280, height: 900 });
        }
        await page.goto(`${server.url}/ui/#/secrets`);
        await page.locator('h1').waitFor();
        await page.keyboard.press('Tab');
        assert.equal(await page.evaluate('document.activeElement?.tagName'), 'A');
      },
      ['403 GET /v1/audit'],
    ));

  it('turns a link whose key is no key into a notice, never into a request elsewhere with the token', () =>
    step('hostile link', async () => {
      const rule = await api('PUT', '/v1/trust/gh/kept', {
        issuer: 'github',
        claims: { repository: 'acme/*' },
        scopes: ['secret:get:ci/**'],
        ttl: 600,
      });
      assert.equal(rule.status, 201);
      const requested: string[] = [];
      const record = (request: { url(): string; method(): string }) =>
        requested.push(`${request.method()} ${new URL(request.url()).pathname}`);
      page.on('request', record);
      try {
        for (const link of ['..%2F..%2Fv1%2Ftrust%2Fgh%2Fkept', '%2e%2e/%2e%2e/v1/trust/gh/kept', 'ci%2F%E0%A4']) {
          await page.goto(`${server.url}/ui/#/secret/${link}`);
          await page.getByRole('heading', { name: 'Not a secret' }).waitFor();
          await page
            .getByRole('alert')
            .getByText(/This link names no valid key/)
            .waitFor();
        }
      } finally {
        page.off('request', record);
      }
      assert.deepEqual(
        requested.filter((line) => line.includes('/v1/') && !line.endsWith(' /v1/whoami')),
        [],
        'the console called the API for a link that names no key',
      );
      assert.equal((await api('GET', '/v1/trust/gh/kept')).status, 200);
    }));

  it('signs out leaving nothing in storage, and sends every /ui answer with the strict CSP', () =>
    step('sign out and CSP', async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      assert.deepEqual(await page.evaluate('[sessionStorage.length, localStorage.length, document.cookie]'), [0, 0, '']);

      assert.ok(uiResponses.length >= 3);
      for (const response of uiResponses) {
        assert.match(
          response.csp ?? '',
          /^default-src 'self'; script-src 'self'; style-src 'self';.*frame-ancestors 'none'$/,
          response.url,
        );
      }
      for (const route of ['/ui', '/ui/', '/ui/console.js', '/ui/console.css', '/ui/nothing-here']) {
        const response = await fetch(`${server.url}${route}`, { redirect: 'manual' });
        assert.match(response.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/, route);
      }
      const index = await (await fetch(`${server.url}/ui/`)).text();
      assert.doesNotMatch(index, /<script>|<script [^>]*>[^<]|<style|\sstyle=|\son\w+=/, 'no inline script, style or handler');
    }));
});
