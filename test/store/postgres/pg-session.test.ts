import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgSession } from '../../../src/store/postgres/pg-session';
import { requirePostgresOrSkip, startPostgres, type RunningPostgres } from '../../harness/postgres';
import { freshDatabase } from './pg-test-db';

describe.runIf(requirePostgresOrSkip())('the PostgreSQL session: transactions found through the async context (real PostgreSQL)', () => {
  let server: RunningPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  }, 30_000);
  afterAll(async () => server?.stop());

  it('queries inside withTx share its connection; others see nothing until the commit; a nested failure is a savepoint', async () => {
    const db = await freshDatabase(server, 'session_tx');
    const session = createPgSession(db.pool(4));
    const other = createPgSession(db.pool(1));
    await session.run('CREATE TABLE t (v TEXT NOT NULL)');
    let seenInside = -1;
    let seenOutside = -1;
    await session.withTx(async () => {
      await session.run('INSERT INTO t (v) VALUES ($1)', ['outer']);
      await session
        .withTx(async () => {
          await session.run('INSERT INTO t (v) VALUES ($1)', ['inner']);
          throw new Error('inner fails');
        })
        .catch(() => undefined);
      seenInside = Number((await session.one<{ n: string }>('SELECT COUNT(*) AS n FROM t'))?.n);
      seenOutside = Number((await other.one<{ n: string }>('SELECT COUNT(*) AS n FROM t'))?.n);
    });
    expect({ seenInside, seenOutside }).toEqual({ seenInside: 1, seenOutside: 0 });
    expect(await other.query<{ v: string }>('SELECT v FROM t')).toEqual([{ v: 'outer' }]);
    await db.close();
  });

  it('rolls back on a throw and hands the connection back (a pool of one keeps working)', async () => {
    const db = await freshDatabase(server, 'session_rollback');
    const session = createPgSession(db.pool(1));
    await session.run('CREATE TABLE t (v TEXT NOT NULL)');
    await expect(
      session.withTx(async () => {
        await session.run("INSERT INTO t (v) VALUES ('x')");
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await session.run("INSERT INTO t (v) VALUES ('y')")).toBe(1);
    expect(await session.query('SELECT v FROM t')).toEqual([{ v: 'y' }]);
    await db.close();
  });

  it('reruns a transaction that lost a serialization race, so the caller sees success', async () => {
    const db = await freshDatabase(server, 'session_retry');
    const session = createPgSession(db.pool(4));
    await session.run('CREATE TABLE c (id INT PRIMARY KEY, n INT NOT NULL)');
    await session.run('INSERT INTO c VALUES (1, 0)');
    let attempts = 0;
    await session.withTx(async () => {
      attempts++;
      // The first attempt fails the way a serialization conflict does (SQLSTATE 40001).
      if (attempts === 1) await session.run("DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$");
      await session.run('UPDATE c SET n = n + 1 WHERE id = 1');
    });
    expect(attempts).toBe(2);
    expect(await session.one('SELECT n FROM c WHERE id = 1')).toEqual({ n: 1 });
    await db.close();
  });
});
