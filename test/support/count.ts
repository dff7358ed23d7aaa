import type { Knex } from 'knex';

/** The number of rows a query matches. */
export async function countOf(query: Knex.QueryBuilder): Promise<number> {
  const [row] = await query.count<Array<{ n: number | string }>>({ n: '*' });
  return Number(row?.n ?? 0);
}
