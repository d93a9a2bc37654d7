import { AsyncLocalStorage } from 'node:async_hooks';
import type { Db } from '../database';

/**
 * One SQLite connection shared by async code. better-sqlite3 runs each statement synchronously, but a
 * transaction that spans `await`s leaves the connection inside BEGIN while other handlers run: any statement
 * they issued would silently join it. The gate keeps them out: while a transaction is open, calls from
 * outside it wait their turn; calls from inside it (found through AsyncLocalStorage) run at once.
 */
export interface TxGate {
  /** Runs `fn` in one IMMEDIATE transaction; called inside one, it becomes a savepoint (all or nothing). */
  withTx<T>(fn: () => Promise<T>): Promise<T>;
  /** Runs one synchronous store call: at once inside the caller's transaction or when none is open, else after it. */
  run<T>(fn: () => T): Promise<T>;
}

interface TxFrame {
  open: boolean;
  savepoints: number;
}

export function createTxGate(db: Db): TxGate {
  const frames = new AsyncLocalStorage<TxFrame>();
  let active: TxFrame | null = null;
  let tail: Promise<unknown> = Promise.resolve();
  /** Queues `fn` behind every transaction started before it. */
  const exclusive = <T>(fn: () => T | Promise<T>): Promise<T> => {
    const turn = tail.then(fn);
    tail = turn.catch(() => undefined);
    return turn;
  };
  const inOpenTx = () => {
    const frame = frames.getStore();
    return frame !== undefined && frame.open && frame === active;
  };

  const savepoint = async <T>(frame: TxFrame, fn: () => Promise<T>): Promise<T> => {
    const name = `sp_${++frame.savepoints}`;
    db.exec(`SAVEPOINT ${name}`);
    try {
      const result = await fn();
      db.exec(`RELEASE ${name}`);
      return result;
    } catch (err) {
      db.exec(`ROLLBACK TO ${name}`);
      db.exec(`RELEASE ${name}`);
      throw err;
    }
  };

  return {
    withTx(fn) {
      if (inOpenTx()) return savepoint(frames.getStore()!, fn);
      return exclusive(async () => {
        const frame: TxFrame = { open: true, savepoints: 0 };
        active = frame;
        db.exec('BEGIN IMMEDIATE');
        try {
          const result = await frames.run(frame, fn);
          db.exec('COMMIT');
          return result;
        } catch (err) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw err;
        } finally {
          frame.open = false;
          active = null;
        }
      });
    },
    run(fn) {
      // No transaction open, or the caller's own: the statement cannot land in someone else's transaction.
      if (active === null || inOpenTx()) {
        try {
          return Promise.resolve(fn());
        } catch (err) {
          return Promise.reject(err);
        }
      }
      return exclusive(fn);
    },
  };
}

/** The synchronous shape of an async repository: what a better-sqlite3 implementation provides. */
export type Sync<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : T[K];
};

/**
 * The async repository over a synchronous implementation: every method goes through the gate. `passThrough`
 * names methods that are not store calls (listener registration) and stay synchronous.
 */
export function asyncRepository<T extends object>(sync: Sync<T>, gate: TxGate, passThrough: readonly (keyof T & string)[] = []): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(sync as Record<string, unknown>)) {
    if (typeof member !== 'function' || passThrough.includes(name as keyof T & string)) {
      wrapped[name] = member;
      continue;
    }
    const method = member as (...args: unknown[]) => unknown;
    wrapped[name] = (...args: unknown[]) => gate.run(() => method(...args));
  }
  return Object.freeze(wrapped) as T;
}
