import { existsSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requirePostgresOrSkip, startPostgres, type RunningPostgres } from '../../harness/postgres';

describe.runIf(requirePostgresOrSkip())('throwaway PostgreSQL harness', () => {
  let server: RunningPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  }, 30_000);
  afterAll(async () => server?.stop());

  it('serves a fresh database over TCP and its unix socket, as a child process', async () => {
    const url = await server.createDatabase('harness_check');
    const tcp = new pg.Client({ connectionString: url });
    await tcp.connect();
    const { rows } = await tcp.query<{ db: string; v: string }>("SELECT current_database() AS db, current_setting('server_version_num') AS v");
    await tcp.end();
    expect(rows[0]!.db).toBe('harness_check');
    expect(Number(rows[0]!.v)).toBeGreaterThanOrEqual(120000);
    const sock = new pg.Client({ host: server.socketDir, port: server.port, user: 'postgres', database: 'harness_check' });
    await sock.connect();
    expect((await sock.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    await sock.end();
  });

  it('removes its data directory when stopped', async () => {
    const other = await startPostgres();
    expect(existsSync(other.socketDir)).toBe(true);
    await other.stop();
    expect(existsSync(other.socketDir)).toBe(false);
  }, 30_000);
});
