/** What the seal tests share: the keys of a plain keyring, a search for them, and a small client. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { isSealedEntry, readKeyringFile } from '../../src/keyring/keyring-file';
import { startServer, type RunningServer } from './processes';

export interface PlainKeys {
  readonly keys: ReadonlyMap<string, Buffer>;
  readonly audit: Buffer;
}

/** The plaintext keys of a plain keyring file. */
export function keyringKeys(file: string): PlainKeys {
  const doc = readKeyringFile(file);
  const keys = new Map<string, Buffer>();
  for (const [id, entry] of doc.keys) {
    assert.ok(!isSealedEntry(entry), `${file} is sealed`);
    keys.set(id, entry);
  }
  assert.ok(doc.audit !== undefined && !isSealedEntry(doc.audit));
  return { keys, audit: doc.audit };
}

/** Each key in the ways it could be written down: raw, base64, base64url, hex. */
function spellings(key: Buffer): Array<string | Buffer> {
  return [key, key.toString('base64'), key.toString('base64url'), key.toString('hex')];
}

/** Fails if any key (or any of `others`, such as a PIN) appears in any of `places`. */
export function assertNothingLeaks(places: ReadonlyArray<string | Buffer>, keys: PlainKeys | undefined, others: readonly string[]): void {
  const needles = [...(keys ? [...keys.keys.values(), keys.audit].flatMap(spellings) : []), ...others];
  for (const [index, place] of places.entries()) {
    const haystack = Buffer.isBuffer(place) ? place : Buffer.from(place, 'utf8');
    for (const needle of needles) {
      assert.equal(haystack.includes(needle), false, `place ${index} holds a key or a PIN`);
    }
  }
}

/** Reads and writes secrets as root over HTTP, keeping every response body in `seen`. */
export function secretsApi(server: { url: string }, cwd: string, seen: string[]) {
  const token = fs.readFileSync(path.join(cwd, 'data', 'root.token'), 'utf8').trim();
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
  return {
    async put(key: string, value: Record<string, unknown>): Promise<void> {
      const response = await fetch(`${server.url}/v1/secret/${key}`, {
        method: 'PUT',
        headers,
        body: JSON.stringify({ value, expires: '2099-01-01T00:00:00Z' }),
      });
      const text = await response.text();
      seen.push(text);
      assert.ok(response.status === 200 || response.status === 201, `PUT ${key}: ${response.status} ${text}`);
    },
    async get(key: string): Promise<unknown> {
      const response = await fetch(`${server.url}/v1/secret/${key}`, { headers });
      const text = await response.text();
      assert.equal(response.status, 200, `GET ${key}: ${text}`);
      return (JSON.parse(text) as { value: unknown }).value;
    },
    async status(key: string): Promise<{ status: number; body: string }> {
      const response = await fetch(`${server.url}/v1/secret/${key}`, { headers });
      const body = await response.text();
      seen.push(body);
      return { status: response.status, body };
    },
  };
}

/** Starts serve processes, keeping each one's output in `seen` once stopped; `killAll` for after(). */
export function watchedServers(seen: string[]) {
  const servers: RunningServer[] = [];
  return {
    async start(cwd: string, env: Record<string, string>): Promise<RunningServer> {
      const server = await startServer({ cwd, env });
      servers.push(server);
      return server;
    },
    async stop(server: RunningServer): Promise<void> {
      await server.stop();
      seen.push(server.output());
    },
    async killAll(): Promise<void> {
      for (const server of servers) await server.stop('SIGKILL');
    },
  };
}
