import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Knex } from 'knex';
import { connectDatabase } from '../../src/db/connect';
import { migrateToLatest } from '../../src/db/migration-source';
import { GroupCommit } from '../../src/writer/group-commit';
import { tempDir } from '../support/databases';

describe('group commit in the SQLite write thread', () => {
  let knex: Knex;
  const commits: string[] = [];

  before(async () => {
    knex = connectDatabase({ client: 'sqlite', filename: path.join(tempDir(), 'group.db') });
    await migrateToLatest(knex);
    await knex.schema.createTable('notes', (table) => table.string('note').primary());
    knex.on('query', (query: { sql: string }) => {
      if (/^(commit|begin)/i.test(query.sql.trim())) commits.push(query.sql.trim().toLowerCase());
    });
  });
  after(() => knex.destroy());

  it('commits writes that queued together in one transaction, and fails a failing write alone', async () => {
    commits.length = 0;
    const group = new GroupCommit(knex);
    const writes = Array.from({ length: 10 }, (_unused, n) =>
      group.run(async (trx) => {
        await trx('notes').insert({ note: `note-${n}` });
        if (n === 4) throw new Error('write 4 fails after its insert');
        return n;
      }),
    );
    const settled = await Promise.allSettled(writes);
    assert.deepEqual(
      settled.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : (outcome.reason as Error).message)),
      [0, 1, 2, 3, 'write 4 fails after its insert', 5, 6, 7, 8, 9],
    );
    const notes = (await knex('notes').orderBy('note').pluck('note')) as string[];
    assert.deepEqual(notes, ['note-0', 'note-1', 'note-2', 'note-3', 'note-5', 'note-6', 'note-7', 'note-8', 'note-9']);
    assert.equal(commits.filter((sql) => sql.startsWith('commit')).length, 1, commits.join(', '));
  });
});
