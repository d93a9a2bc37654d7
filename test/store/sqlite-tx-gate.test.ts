import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTxGate, type TxGate } from '../../src/store/sqlite/tx-gate';

/** A promise the test settles by hand: a transaction "awaiting" while other flows run. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('the SQLite transaction gate (one connection, many async flows)', () => {
  let dir: string;
  let db: Database.Database;
  let gate: TxGate;
  const insert = (v: string) => db.prepare('INSERT INTO t (v) VALUES (?)').run(v);
  const values = () => (db.prepare('SELECT v FROM t ORDER BY rowid').all() as { v: string }[]).map((r) => r.v);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tx-gate-'));
    db = new Database(join(dir, 'gate.sqlite'));
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (v TEXT NOT NULL)');
    gate = createTxGate(db);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a call from another flow out of an open transaction: it runs after the commit', async () => {
    const pause = deferred();
    const tx = gate.withTx(async () => {
      await gate.run(() => insert('in-tx-1'));
      await pause.promise;
      await gate.run(() => insert('in-tx-2'));
    });
    await new Promise((r) => setImmediate(r)); // the transaction is open and waiting
    expect(db.inTransaction).toBe(true);
    const outside = gate.run(() => {
      insert('outside');
      return values();
    });
    pause.resolve();
    await tx;
    expect(await outside).toEqual(['in-tx-1', 'in-tx-2', 'outside']);
  });

  it('rolls back everything when the function throws, and the waiting call still runs', async () => {
    const pause = deferred();
    const tx = gate.withTx(async () => {
      await gate.run(() => insert('doomed'));
      await pause.promise;
      throw new Error('boom');
    });
    await new Promise((r) => setImmediate(r));
    const outside = gate.run(() => values());
    pause.resolve();
    await expect(tx).rejects.toThrow('boom');
    expect(await outside).toEqual([]);
    expect(db.inTransaction).toBe(false);
  });

  it('a nested withTx is a savepoint: its failure undoes only its own writes', async () => {
    await gate.withTx(async () => {
      await gate.run(() => insert('outer'));
      await gate
        .withTx(async () => {
          await gate.run(() => insert('inner'));
          throw new Error('inner fails');
        })
        .catch(() => undefined);
      await gate.withTx(async () => void (await gate.run(() => insert('inner-ok'))));
    });
    expect(values()).toEqual(['outer', 'inner-ok']);
  });

  it('runs transactions one after another, in the order they were asked for', async () => {
    const order: string[] = [];
    await Promise.all(
      ['a', 'b', 'c'].map((name) =>
        gate.withTx(async () => {
          order.push(`${name}:begin`);
          await new Promise((r) => setImmediate(r));
          await gate.run(() => insert(name));
          order.push(`${name}:end`);
        }),
      ),
    );
    expect(order).toEqual(['a:begin', 'a:end', 'b:begin', 'b:end', 'c:begin', 'c:end']);
    expect(values()).toEqual(['a', 'b', 'c']);
  });

  it('another connection (a second process) sees nothing until the commit', async () => {
    const other = new Database(join(dir, 'gate.sqlite'), { readonly: true });
    const pause = deferred();
    const tx = gate.withTx(async () => {
      await gate.run(() => insert('pending'));
      await pause.promise;
    });
    await new Promise((r) => setImmediate(r));
    expect(other.prepare('SELECT COUNT(*) AS n FROM t').get()).toEqual({ n: 0 });
    pause.resolve();
    await tx;
    expect(other.prepare('SELECT COUNT(*) AS n FROM t').get()).toEqual({ n: 1 });
    other.close();
  });
});
