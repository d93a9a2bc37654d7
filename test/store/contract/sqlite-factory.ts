import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIGRATIONS } from '../../../src/app/migrations';
import { createSqliteUnitOfWork } from '../../../src/app/sqlite-repositories';
import { openDatabase } from '../../../src/store/database';
import type { StoreFactory } from './store-factory';

/** The embedded default: a real SQLite file per test; each `open()` is another connection to it. */
export const sqliteFactory: StoreFactory = {
  name: 'SQLite',
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'store-contract-'));
    const path = join(dir, 'store.sqlite');
    return {
      async open(options = {}) {
        const db = openDatabase(path, MIGRATIONS);
        return {
          store: createSqliteUnitOfWork(db, options),
          raw: { kind: 'sqlite', db },
          async corrupt(table, column, where, text) {
            db.prepare(`UPDATE ${table} SET ${column} = ? WHERE ${where.column} = ?`).run(text, where.value);
          },
          async close() {
            db.close();
          },
        };
      },
      async destroy() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};
