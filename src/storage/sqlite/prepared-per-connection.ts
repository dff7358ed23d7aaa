import type Database from 'better-sqlite3';

/**
 * Statements prepared once per connection: knex's pool may replace the
 * connection it hands the write thread, and a statement belongs to one.
 */
export function preparedPerConnection<T extends object>(prepare: (db: Database.Database) => T): (db: Database.Database) => T {
  const onConnection = new WeakMap<Database.Database, T>();
  return (db) => {
    let prepared = onConnection.get(db);
    if (!prepared) {
      prepared = prepare(db);
      onConnection.set(db, prepared);
    }
    return prepared;
  };
}
