import type { Pool, PoolClient } from 'pg';
import type { PgMigration } from './pg-migration';
import { MIGRATE_LOCK_KEY, PG_MIGRATIONS, PG_SCHEMA_VERSION } from './pg-migrations';

export interface SchemaStatus {
  /** The newest version this code knows. */
  codeVersion: number;
  /** The newest version applied to the database (0 for an empty one). */
  databaseVersion: number;
  /** Applied versions this code does not know: a newer release migrated the database. */
  unknownVersions: number[];
  /** Whether this replica may do engine work: it knows every applied version. */
  compatible: boolean;
}

export interface MigrateResult extends SchemaStatus {
  applied: number[];
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`;

async function readStatus(client: Pick<PoolClient, 'query'>, known: readonly PgMigration[]): Promise<SchemaStatus> {
  const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
  const knownSet = new Set(known.map((m) => m.version));
  const codeVersion = Math.max(0, ...known.map((m) => m.version));
  const unknownVersions = rows.map((r) => r.version).filter((v) => !knownSet.has(v));
  const databaseVersion = Math.max(0, ...rows.map((r) => r.version));
  return { codeVersion, databaseVersion, unknownVersions, compatible: unknownVersions.length === 0 };
}

/**
 * Applies the pending migrations once, whatever the number of replicas starting at the same moment: the
 * whole run is one transaction holding `pg_advisory_xact_lock`, so the second replica waits, then finds
 * nothing to do. PostgreSQL's DDL is transactional: a failing migration leaves no half-built table. A
 * database already migrated by a newer release is left alone and reported incompatible.
 */
export async function migratePostgres(pool: Pool, migrations: readonly PgMigration[] = PG_MIGRATIONS): Promise<MigrateResult> {
  const versions = migrations.map((m) => m.version);
  if (new Set(versions).size !== versions.length) throw new Error(`duplicate PostgreSQL migration versions: ${versions.join(', ')}`);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATE_LOCK_KEY.toString()]);
    await client.query(CREATE_TABLE);
    const before = await readStatus(client, migrations);
    if (!before.compatible) {
      await client.query('ROLLBACK');
      return { ...before, applied: [] };
    }
    const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    const applied: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      try {
        await client.query(m.sql);
      } catch (err) {
        throw new Error(`PostgreSQL migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, { cause: err });
      }
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    const after = await readStatus(client, migrations);
    await client.query('COMMIT');
    return { ...after, applied };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** The schema check alone (for /readyz and the engine gate): no lock, no change. */
export async function checkSchema(pool: Pick<Pool, 'query'>, migrations: readonly PgMigration[] = PG_MIGRATIONS): Promise<SchemaStatus> {
  const exists = await pool.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
  if (!exists.rows[0]?.t) {
    return { codeVersion: Math.max(0, ...migrations.map((m) => m.version)), databaseVersion: 0, unknownVersions: [], compatible: true };
  }
  return readStatus(pool, migrations);
}

/** The line a replica logs when it stands down (also the /readyz reason). */
export function incompatibleSchemaMessage(s: SchemaStatus): string {
  return (
    `database schema is newer than this replica (database ${s.databaseVersion}, this code ${s.codeVersion}; unknown: ${s.unknownVersions.join(', ')}): ` +
    'this replica does no engine work and reports not ready; upgrade it to the release that migrated the database'
  );
}

export { PG_SCHEMA_VERSION };
