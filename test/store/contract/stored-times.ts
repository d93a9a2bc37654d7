import type { RawStore } from './store-factory';

/**
 * How one row's time columns are stored, read under the repositories: `typeof` and the text on SQLite
 * (ISO-8601 UTC, e.g. '2026-11-29T12:00:00.000Z'), the column type on PostgreSQL ('timestamp with time zone').
 */
export async function storedTimes(
  raw: RawStore | undefined,
  table: string,
  columns: readonly string[],
  where: { column: string; value: string | number },
): Promise<Record<string, string | null>> {
  if (!raw) throw new Error('this store gives no raw connection');
  if (raw.kind === 'sqlite') {
    const select = columns.map((c) => `typeof(${c}) || ' ' || COALESCE(${c}, 'NULL') AS ${c}`).join(', ');
    return raw.db.prepare(`SELECT ${select} FROM ${table} WHERE ${where.column} = ?`).get(where.value) as Record<string, string>;
  }
  const select = columns.map((c) => `pg_typeof(${c})::text AS ${c}`).join(', ');
  return (await raw.session.one<Record<string, string>>(`SELECT ${select} FROM ${table} WHERE ${where.column} = $1`, [where.value])) ?? {};
}

/** What `storedTimes` gives for a non-NULL time `ms` on this store. */
export const storedTime = (raw: RawStore | undefined, ms: number): string =>
  raw?.kind === 'sqlite' ? `text ${new Date(ms).toISOString()}` : 'timestamp with time zone';
