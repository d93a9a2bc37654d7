import { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';

/**
 * How PostgreSQL repositories reach the database. Outside a transaction a query takes any pooled
 * connection; inside `withTx` every query of that async flow (found through AsyncLocalStorage) runs on the
 * transaction's own connection, so repositories need no client parameter and nest like SQLite's.
 */
export interface PgSession {
  query<R extends object = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** The first row, or undefined. */
  one<R extends object = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R | undefined>;
  /** Rows changed (INSERT/UPDATE/DELETE). */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /**
   * One READ COMMITTED transaction (nested: a savepoint). A serialization failure or deadlock reruns `fn`
   * from the start, up to 3 times: keep `fn` to store calls, so running it again is safe.
   */
  withTx<T>(fn: () => Promise<T>): Promise<T>;
}

interface TxFrame {
  client: pg.PoolClient;
  open: boolean;
  savepoints: number;
}

/** SQLSTATEs after which the whole transaction may simply be tried again. */
const RETRYABLE = new Set(['40001', '40P01']);
const ATTEMPTS = 3;

export function createPgSession(pool: pg.Pool): PgSession {
  const frames = new AsyncLocalStorage<TxFrame>();
  const current = () => {
    const frame = frames.getStore();
    return frame?.open ? frame : undefined;
  };
  const exec = (sql: string, params: readonly unknown[] = []) => {
    const frame = current();
    return frame ? frame.client.query(sql, params as unknown[]) : pool.query(sql, params as unknown[]);
  };

  const savepoint = async <T>(frame: TxFrame, fn: () => Promise<T>): Promise<T> => {
    const name = `sp_${++frame.savepoints}`;
    await frame.client.query(`SAVEPOINT ${name}`);
    try {
      const result = await fn();
      await frame.client.query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (err) {
      await frame.client.query(`ROLLBACK TO SAVEPOINT ${name}`);
      throw err;
    }
  };

  const transaction = async <T>(fn: () => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    const frame: TxFrame = { client, open: true, savepoints: 0 };
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await frames.run(frame, fn);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true; // the connection itself failed: do not hand it back to the pool
      }
      throw err;
    } finally {
      frame.open = false;
      client.release(broken);
    }
  };

  return {
    async query(sql, params) {
      return (await exec(sql, params)).rows;
    },
    async one(sql, params) {
      return (await exec(sql, params)).rows[0];
    },
    async run(sql, params) {
      return (await exec(sql, params)).rowCount ?? 0;
    },
    async withTx(fn) {
      const frame = current();
      if (frame) return savepoint(frame, fn);
      for (let attempt = 1; ; attempt++) {
        try {
          return await transaction(fn);
        } catch (err) {
          if (attempt >= ATTEMPTS || !RETRYABLE.has((err as { code?: string }).code ?? '')) throw err;
        }
      }
    },
  };
}
