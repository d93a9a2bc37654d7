import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratePostgres } from '../../../src/store/postgres/migrate-postgres';
import { PG_MIGRATIONS, PG_SCHEMA_VERSION } from '../../../src/store/postgres/pg-migrations';
import { SchemaGate } from '../../../src/store/postgres/schema-gate';
import { requirePostgresOrSkip, startPostgres, type RunningPostgres } from '../../harness/postgres';
import { freshDatabase } from './pg-test-db';

describe.runIf(requirePostgresOrSkip())('schema gate for /readyz and the engine (real PostgreSQL)', () => {
  let server: RunningPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  }, 30_000);
  afterAll(async () => server?.stop());

  it('turns not ready and logs once when a newer release migrates the database under a running replica', async () => {
    const db = await freshDatabase(server, 'gate');
    const pool = db.pool();
    await migratePostgres(pool);
    const lines: { level: string; msg: string }[] = [];
    const gate = new SchemaGate(pool, { info: (_o, msg) => lines.push({ level: 'info', msg }), error: (_o, msg) => lines.push({ level: 'error', msg }) });
    expect(gate.readiness()).toEqual({ ready: false, reason: 'database schema not checked yet' });
    await gate.check();
    expect(gate.readiness()).toEqual({ ready: true });

    await migratePostgres(pool, [...PG_MIGRATIONS, { version: PG_SCHEMA_VERSION + 1, name: 'newer', sql: 'SELECT 1' }]);
    await gate.check();
    await gate.check();
    const r = gate.readiness();
    expect(r.ready).toBe(false);
    expect(r.reason).toMatch(new RegExp(`database ${PG_SCHEMA_VERSION + 1}, this code ${PG_SCHEMA_VERSION}`));
    expect(lines.filter((l) => l.level === 'error')).toHaveLength(1); // once, not every tick
    await db.close();
  });

  it('is not ready when the database does not answer', async () => {
    const stopped = await startPostgres();
    const url = stopped.url();
    await stopped.stop(); // a real server that went away: its port refuses connections
    const pool = new pg.Pool({ connectionString: url, connectionTimeoutMillis: 2_000 });
    const gate = new SchemaGate(pool, { info: () => undefined, error: () => undefined });
    await gate.check();
    expect(gate.readiness()).toMatchObject({ ready: false, reason: expect.stringMatching(/^database unreachable: .*ECONNREFUSED/) });
    await pool.end();
  }, 30_000);
});
