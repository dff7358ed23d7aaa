import type { Knex } from 'knex';

export type ColumnValue = string | number | Buffer | null;

/**
 * Rows as one array per column, for a PostgreSQL statement that reads them
 * through `unnest(?::type[], …)`: one parameter per column, whatever the
 * number of rows, so the statement's text (and its plan) stays the same.
 * An array binding is one array parameter to knex and pg.
 */
export function arrayColumns(rows: ReadonlyArray<readonly ColumnValue[]>, width: number): Knex.RawBinding[] {
  const columns: ColumnValue[][] = Array.from({ length: width }, () => []);
  for (const row of rows) row.forEach((value, index) => columns[index]?.push(value));
  return columns as Knex.RawBinding[];
}
