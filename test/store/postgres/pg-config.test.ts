import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, storeObjectSchema } from '../../../src/config/schema';
import { createPgPool, postgresUrl } from '../../../src/store/postgres/pg-pool';
import { requirePostgresOrSkip, startPostgres, type RunningPostgres } from '../../harness/postgres';

describe('store.postgres configuration', () => {
  it('takes urlEnv alone, refuses it beside sqlitePath, and keeps the SQLite default without it', () => {
    expect(storeObjectSchema.parse({ postgres: { urlEnv: 'DATABASE_URL' } })).toMatchObject({ postgres: { urlEnv: 'DATABASE_URL' } });
    const both = storeObjectSchema.safeParse({ sqlitePath: '/var/lib/x.sqlite', postgres: { urlEnv: 'DATABASE_URL' } });
    expect(both.success).toBe(false);
    expect(both.error?.issues[0]?.message).toMatch(/exclude each other/);
    expect(storeObjectSchema.safeParse({ postgres: { urlEnv: 'postgres://u:p@h/db' } }).success).toBe(false); // a name, not the URL
    expect(storeObjectSchema.parse({})).toEqual({ sqlitePath: './data/stemedb-chatops.sqlite', leaseTtl: 10_000 });
  });

  it("accepts store.postgres in the bot's config (the runtime opens PostgreSQL for it)", () => {
    const result = configSchema.safeParse({
      slack: { alertChannel: 'C0ALERTS' },
      stemedb: { nodes: [{ name: 'stemedb-1', apiUrl: 'http://127.0.0.1:9', local: true }] },
      store: { postgres: { urlEnv: 'DATABASE_URL' } },
    });
    expect(result.error?.issues ?? []).toEqual([]);
    expect(result.data?.store.postgres).toEqual({ urlEnv: 'DATABASE_URL' });
  });

  it('names the variable, never its value, when the URL is missing or wrong', () => {
    expect(() => postgresUrl({ urlEnv: 'DATABASE_URL' }, {})).toThrow(/DATABASE_URL, which is not set/);
    let message = '';
    try {
      postgresUrl({ urlEnv: 'DATABASE_URL' }, { DATABASE_URL: 'mysql://bot:s3cret@db/x' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/DATABASE_URL is not a PostgreSQL URL/);
    expect(message).not.toContain('s3cret');
  });
});

describe.runIf(requirePostgresOrSkip())('createPgPool (real PostgreSQL)', () => {
  let server: RunningPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  }, 30_000);
  afterAll(async () => server?.stop());

  it('connects with the URL from the environment and survives the server killing its idle connection', async () => {
    const errors: Error[] = [];
    const pool = createPgPool({ urlEnv: 'DATABASE_URL' }, { DATABASE_URL: server.url() }, { applicationName: 'replica-test', onError: (e) => errors.push(e) });
    const { rows } = await pool.query<{ app: string }>("SELECT current_setting('application_name') AS app");
    expect(rows[0]!.app).toBe('replica-test');
    const admin = new pg.Client({ connectionString: server.url() });
    await admin.connect();
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'replica-test'");
    await admin.end();
    for (let i = 0; i < 50 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(errors.length).toBeGreaterThan(0); // reported, not an unhandled 'error' event that ends the process
    expect((await pool.query('SELECT 1 AS one')).rows[0].one).toBe(1); // a new connection next time
    await pool.end();
  });
});
