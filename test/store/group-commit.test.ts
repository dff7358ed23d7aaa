import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { Knex } from 'knex';
import { connectDatabase } from '../../src/storage/knex/connect';
import { migrateToLatest } from '../../src/storage/knex/migrations';
import { GroupCommit } from '../../src/storage/sqlite/group-commit';
import { tempDir } from '../support/databases';

describe('group commit in the SQLite write thread', () => {
  const filename = path.join(tempDir(), 'group.db');
  let knex: Knex;
  const committed: number[] = [];
  let outside: Database.Database;

  before(async () => {
    knex = connectDatabase({ client: 'sqlite', filename });
    await migrateToLatest(knex);
    await knex.schema.createTable('notes', (table) => table.string('note').primary());
    outside = new Database(filename);
  });
  after(async () => {
    outside.close();
    await knex.destroy();
  });

  it('commits writes that queued together in one transaction, and fails a failing write alone', async () => {
    const group = new GroupCommit(knex);
    const writes = Array.from({ length: 10 }, (_unused, n) =>
      group.run((db) => {
        db.prepare('INSERT INTO notes (note) VALUES (?)').run(`note-${n}`);
        // What another connection sees: nothing is committed before the whole batch is.
        committed.push(outside.prepare('SELECT count(*) AS n FROM notes').pluck().get() as number);
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
    assert.deepEqual(committed, Array(10).fill(0), 'every write ran inside one transaction, uncommitted until the end');
  });

  it('waits for a knex transaction open on the connection rather than writing into it', async () => {
    const group = new GroupCommit(knex);
    let grouped: Promise<string> | undefined;
    await assert.rejects(
      knex.transaction(async (trx) => {
        await trx('notes').insert({ note: 'inside-knex' });
        grouped = group.run((db) => {
          db.prepare('INSERT INTO notes (note) VALUES (?)').run('grouped');
          return 'grouped';
        });
        await new Promise((resolve) => setTimeout(resolve, 50));
        throw new Error('the knex transaction rolls back');
      }),
      /rolls back/,
    );
    assert.equal(await grouped, 'grouped');
    const notes = (await knex('notes').whereIn('note', ['inside-knex', 'grouped']).pluck('note')) as string[];
    assert.deepEqual(notes, ['grouped'], 'the grouped write committed on its own, not inside the rolled-back transaction');
  });
});
