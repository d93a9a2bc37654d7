import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqlitePendingActionStore } from '../../../src/access/pending-actions';
import { MIGRATIONS } from '../../../src/app/migrations';
import { openDatabase } from '../../../src/store/database';
import { pendingActionsContract } from './pending-actions-contract';
import type { StoreFactory } from './store-factory';

/** The embedded default: a real SQLite file per test; each `open()` is another connection to it. */
const sqlite: StoreFactory = {
  name: 'SQLite',
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'store-contract-'));
    const path = join(dir, 'store.sqlite');
    return {
      async open() {
        const db = openDatabase(path, MIGRATIONS);
        return {
          pendingActions: createSqlitePendingActionStore(db),
          async corruptPendingAction(id, column, text) {
            db.prepare(`UPDATE pending_actions SET ${column === 'params' ? 'params_json' : 'allowed_users_json'} = ? WHERE id = ?`).run(text, id);
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

pendingActionsContract(sqlite);
