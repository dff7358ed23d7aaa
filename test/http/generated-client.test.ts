/**
 * A client generated from the served OpenAPI document, used with its
 * defaults: openapi-typescript turns the document into types, a program
 * written against them compiles, and, run with openapi-fetch's default
 * path serialiser (which sends a key's slashes as %2F), it puts, reads,
 * lists and deletes a secret under a three-segment key.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { createHttpServer } from '../../src/server/create-server';
import { sqlite, tempDir, type TestDatabase } from '../support/databases';
import { runNodeScript } from '../support/processes';
import { startTestService, type TestService } from '../support/service';

const REPO = path.resolve(__dirname, '..', '..', '..');

/** The program a user would write against the generated types; it prints what each call answered. */
const PROGRAM = `import createClient from 'openapi-fetch';
import type { paths } from './scoped-secrets';

async function main(): Promise<void> {
  const client = createClient<paths>({
    baseUrl: process.env.BASE_URL,
    headers: { Authorization: \`Bearer \${process.env.TOKEN ?? ''}\` },
  });
  const params = { path: { key: 'ci/deploy/aws' } };
  const put = await client.PUT('/v1/secret/{key}', { params, body: { value: { region: 'eu-west-1' }, expires: '2031-01-01T00:00:00Z' } });
  const read = await client.GET('/v1/secret/{key}', { params });
  const list = await client.GET('/v1/secrets', { params: { query: { prefix: 'ci/deploy' } } });
  const deleted = await client.DELETE('/v1/secret/{key}', { params });
  const gone = await client.GET('/v1/secret/{key}', { params });
  process.stdout.write(
    JSON.stringify({
      put: put.response.status,
      read: [read.response.status, read.data?.value],
      list: list.data?.secrets.map((secret) => secret.key),
      deleted: deleted.response.status,
      gone: [gone.response.status, gone.error?.code],
    }),
  );
}
void main();
`;

describe('a client generated from the OpenAPI document', () => {
  let db: TestDatabase;
  let svc: TestService;
  let server: http.Server;
  let baseUrl: string;

  before(async () => {
    db = await sqlite.create();
    svc = await startTestService(db);
    server = createHttpServer(svc.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await svc.close();
    await db.drop();
  });

  it('compiles a program against the generated types, which with default settings puts, reads, lists and deletes ci/deploy/aws', async () => {
    const document = await (await fetch(`${baseUrl}/v1/openapi.json`)).text();
    const types = astToString(await openapiTS(document));
    const dir = tempDir('scoped-secrets-generated-');
    fs.writeFileSync(path.join(dir, 'scoped-secrets.d.ts'), types);
    fs.writeFileSync(path.join(dir, 'program.ts'), PROGRAM);
    const program = ts.createProgram([path.join(dir, 'program.ts')], {
      strict: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      esModuleInterop: true,
      skipLibCheck: true,
      types: ['node'],
      typeRoots: [path.join(REPO, 'node_modules', '@types')],
      baseUrl: dir,
      paths: { 'openapi-fetch': [path.join(REPO, 'node_modules', 'openapi-fetch', 'dist', 'index.d.cts')] },
      outDir: dir,
    });
    const emitted = program.emit();
    const problems = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics].map((d) =>
      ts.flattenDiagnosticMessageText(d.messageText, '\n'),
    );
    assert.deepEqual(problems, []);

    const token = svc.token(['secret:*:ci/**']);
    const run = await runNodeScript(path.join(dir, 'program.js'), [], {
      cwd: dir,
      env: { BASE_URL: baseUrl, TOKEN: token, NODE_PATH: path.join(REPO, 'node_modules') },
    });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), {
      put: 201,
      read: [200, { region: 'eu-west-1' }],
      list: ['ci/deploy/aws'],
      deleted: 204,
      gone: [404, 'SecretNotFound'],
    });
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
