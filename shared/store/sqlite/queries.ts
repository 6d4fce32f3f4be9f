import type { Database, Statement } from 'better-sqlite3';
import type { Cursor, Page, PageQuery } from '../store.js';

export const insertSql = (table: string, columns: string[]): string =>
  `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`;

/**
 * The query helpers the repositories share. Rows are untyped at this boundary: each
 * caller names its table's row type (`R`).
 */
export interface Queries {
  /** `… IN (?, ?, …)` reads in chunks of 500, prepared once per SQL and list length. */
  inList: <R>(sql: (marks: string) => string, values: readonly string[]) => R[];
  /** Newest first, keyset-paged on (time, id) so equal timestamps never repeat or skip; an array value matches any of its values. */
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- see above
  page: <R, T extends { id: string }>(
    table: string,
    timeColumn: string,
    filter: Record<string, unknown> & { from?: number; to?: number },
    query: PageQuery,
    map: (row: R) => T,
  ) => Page<T>;
  /** Inserts or replaces a row by its `id`. */
  upsert: (table: string, row: Record<string, unknown>) => void;
}

export function createQueries(db: Database): Queries {
  const listStatements = new Map<string, Statement<string[]>>();
  const upserts = new Map<string, Statement>();
  return {
    inList: <R>(sql: (marks: string) => string, values: readonly string[]): R[] => {
      const out: R[] = [];
      for (let i = 0; i < values.length; i += 500) {
        const chunk = values.slice(i, i + 500);
        const text = sql(chunk.map(() => '?').join(','));
        let statement = listStatements.get(text);
        if (!statement) {
          statement = db.prepare<string[]>(text);
          if (listStatements.size < 200) listStatements.set(text, statement);
        }
        out.push(...(statement.all(...chunk) as R[]));
      }
      return out;
    },
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the row type
    page: <R, T extends { id: string }>(
      table: string,
      timeColumn: string,
      filter: Record<string, unknown> & { from?: number; to?: number },
      query: PageQuery,
      map: (row: R) => T,
    ): Page<T> => {
      const where: string[] = [];
      const params: unknown[] = [];
      for (const [column, value] of Object.entries(filter)) {
        if (value === undefined) continue;
        if (column === 'from' || column === 'to') {
          where.push(`${timeColumn} ${column === 'from' ? '>=' : '<'} ?`);
          params.push(value);
        } else if (value === null) where.push(`${column} IS NULL`);
        else if (Array.isArray(value)) {
          where.push(`${column} IN (${value.map(() => '?').join(', ')})`);
          params.push(...(value as unknown[]));
        } else {
          where.push(`${column} = ?`);
          // Flags are INTEGER 0/1 columns.
          params.push(typeof value === 'boolean' ? Number(value) : value);
        }
      }
      if (query.cursor) {
        where.push(`(${timeColumn} < ? OR (${timeColumn} = ? AND id < ?))`);
        params.push(query.cursor.t, query.cursor.t, query.cursor.id);
      }
      const sql = `SELECT * FROM ${table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${timeColumn} DESC, id DESC LIMIT ?`;
      const rows = db.prepare(sql).all(...params, query.limit + 1) as R[];
      const items = rows.slice(0, query.limit).map(map);
      const lastRow = rows[query.limit - 1] as Record<string, unknown> | undefined;
      const next: Cursor | null = rows.length > query.limit && lastRow ? { t: Number(lastRow[timeColumn]), id: String(lastRow.id) } : null;
      return { items, next };
    },
    upsert: (table, row) => {
      let statement = upserts.get(table);
      if (!statement) {
        const columns = Object.keys(row);
        statement = db.prepare(
          `${insertSql(table, columns)} ON CONFLICT (id) DO UPDATE SET ${columns.map((c) => `${c} = excluded.${c}`).join(', ')}`,
        );
        upserts.set(table, statement);
      }
      statement.run(row);
    },
  };
}
