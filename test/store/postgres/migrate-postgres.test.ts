import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/store/database';
import { MIGRATIONS } from '../../../src/app/migrations';
import { checkSchema, incompatibleSchemaMessage, migratePostgres } from '../../../src/store/postgres/migrate-postgres';
import { MIGRATE_LOCK_KEY, PG_MIGRATIONS, PG_SCHEMA_VERSION } from '../../../src/store/postgres/pg-migrations';
import { WorkLeases } from '../../../src/store/postgres/work-leases';
import { requirePostgresOrSkip, startPostgres, type RunningPostgres } from '../../harness/postgres';
import { freshDatabase } from './pg-test-db';

describe.runIf(requirePostgresOrSkip())('PostgreSQL migrations and the schema-version check (real PostgreSQL)', () => {
  let server: RunningPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  }, 30_000);
  afterAll(async () => server?.stop());

  it('applies every migration once when three replicas start at the same moment', async () => {
    const db = await freshDatabase(server, 'mig_race');
    const results = await Promise.all([db.pool(), db.pool(), db.pool()].map((p) => migratePostgres(p)));
    const applied = results.flatMap((r) => r.applied).sort((a, b) => a - b);
    expect(applied).toEqual(PG_MIGRATIONS.map((m) => m.version).sort((a, b) => a - b));
    expect(results.filter((r) => r.applied.length > 0)).toHaveLength(1);
    for (const r of results) expect(r).toMatchObject({ compatible: true, databaseVersion: PG_SCHEMA_VERSION, codeVersion: PG_SCHEMA_VERSION });
    const again = await migratePostgres(db.pool());
    expect(again.applied).toEqual([]);
    await db.close();
  });

  it('has every table and column of the SQLite schema (process_lock becomes the replica registry)', async () => {
    const db = await freshDatabase(server, 'mig_cover');
    const pool = db.pool();
    await migratePostgres(pool);
    const sqlite = openDatabase(':memory:', MIGRATIONS);
    const tables = (sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[]).map(
      (t) => t.name,
    );
    const { rows } = await pool.query<{ table_name: string; column_name: string }>(
      "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'",
    );
    const pgColumns = new Map<string, Set<string>>();
    for (const r of rows) pgColumns.set(r.table_name, (pgColumns.get(r.table_name) ?? new Set()).add(r.column_name));
    const missing: string[] = [];
    for (const table of tables) {
      if (table === 'process_lock') continue;
      const cols = (sqlite.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
      for (const col of cols) if (!pgColumns.get(table)?.has(col)) missing.push(`${table}.${col}`);
    }
    expect(missing).toEqual([]);
    // Every SQLite migration has its PostgreSQL twin with the same version, so neither store falls behind.
    const pgVersions = new Set(PG_MIGRATIONS.map((m) => m.version));
    expect(MIGRATIONS.map((m) => m.version).filter((v) => !pgVersions.has(v))).toEqual([]);
    expect(pgColumns.get('replicas')).toBeDefined();
    sqlite.close();
    await db.close();
  });

  it('keeps one open incident per node and problem, JSONB and TIMESTAMPTZ columns', async () => {
    const db = await freshDatabase(server, 'mig_incident');
    const pool = db.pool();
    await migratePostgres(pool);
    const open = (id: string) =>
      pool.query(
        `INSERT INTO incidents (id, node, problem, title, source, status, opened_at, labels_json) VALUES ($1, 'kv-2', 'HighStorageErrorRate', 't', 'alert', 'open', now(), $2)`,
        [id, JSON.stringify({ node: 'kv-2' })],
      );
    await open('INC-1');
    await expect(open('INC-2')).rejects.toMatchObject({ code: '23505' });
    await pool.query(`UPDATE incidents SET status = 'resolved', resolved_at = now() WHERE id = 'INC-1'`);
    await open('INC-3');
    const { rows } = await pool.query<{ labels_json: { node: string }; opened_at: Date }>(`SELECT labels_json, opened_at FROM incidents WHERE id = 'INC-3'`);
    expect(rows[0]!.labels_json.node).toBe('kv-2');
    expect(rows[0]!.opened_at).toBeInstanceOf(Date);
    await db.close();
  });

  it('rolls a failed migration run back whole', async () => {
    const db = await freshDatabase(server, 'mig_fail');
    const pool = db.pool();
    const broken = [...PG_MIGRATIONS, { version: 999, name: 'broken', sql: 'CREATE TABLE nope (x NOTATYPE)' }];
    await expect(migratePostgres(pool, broken)).rejects.toThrow(/migration 999 \(broken\) failed/);
    const { rows } = await pool.query<{ t: string | null }>("SELECT to_regclass('incidents')::text AS t");
    expect(rows[0]!.t).toBeNull();
    await db.close();
  });

  it('stops an older replica from claiming work once a newer release has migrated the database', async () => {
    const db = await freshDatabase(server, 'mig_newer');
    const pool = db.pool();
    const newer = [...PG_MIGRATIONS, { version: PG_SCHEMA_VERSION + 1, name: 'a newer release', sql: 'ALTER TABLE work_items ADD COLUMN priority INTEGER' }];
    await migratePostgres(pool, newer);
    const older = new WorkLeases(pool, PG_SCHEMA_VERSION);
    await older.enqueue('outbox', '1');

    const status = await checkSchema(pool);
    expect(status).toEqual({
      codeVersion: PG_SCHEMA_VERSION,
      databaseVersion: PG_SCHEMA_VERSION + 1,
      unknownVersions: [PG_SCHEMA_VERSION + 1],
      compatible: false,
    });
    expect(incompatibleSchemaMessage(status)).toMatch(/does no engine work and reports not ready/);
    // The older code's own start-up migration leaves the newer schema alone.
    const rerun = await migratePostgres(pool);
    expect(rerun).toMatchObject({ applied: [], compatible: false });

    expect(await older.claimDue('outbox', 'old-replica', 10_000, 10)).toEqual([]);
    const current = new WorkLeases(pool, PG_SCHEMA_VERSION + 1);
    expect(await current.claimDue('outbox', 'new-replica', 10_000, 10)).toHaveLength(1);
    await db.close();
  });

  it('pauses claims while a migration holds the schema lock', async () => {
    const db = await freshDatabase(server, 'mig_lock');
    const pool = db.pool();
    await migratePostgres(pool);
    const leases = new WorkLeases(pool);
    await leases.enqueue('outbox', '1');
    const migrator = new pg.Client({ connectionString: db.url });
    await migrator.connect();
    await migrator.query('BEGIN');
    await migrator.query('SELECT pg_advisory_xact_lock($1)', [MIGRATE_LOCK_KEY.toString()]);
    expect(await leases.claimDue('outbox', 'r1', 10_000, 10)).toEqual([]);
    await migrator.query('COMMIT');
    expect(await leases.claimDue('outbox', 'r1', 10_000, 10)).toHaveLength(1);
    await migrator.end();
    await db.close();
  });
});
