import { createPostgresUnitOfWork } from '../../../src/app/postgres-repositories';
import { migratePostgres } from '../../../src/store/postgres/migrate-postgres';
import { createPgSession } from '../../../src/store/postgres/pg-session';
import type { RunningPostgres } from '../../harness/postgres';
import { freshDatabase } from '../postgres/pg-test-db';
import type { StoreFactory } from './store-factory';

let databases = 0;

/** A fresh database per `create()` on the file's throwaway server; each `open()` is another replica's pool. */
export function postgresFactory(server: () => RunningPostgres): StoreFactory {
  return {
    name: 'PostgreSQL',
    async create() {
      const db = await freshDatabase(server(), `contract_${++databases}`);
      await migratePostgres(db.pool(1));
      return {
        async open(options = {}) {
          const pool = db.pool(6);
          return {
            store: createPostgresUnitOfWork(pool, options),
            raw: { kind: 'postgres', session: createPgSession(pool) },
            async corrupt(table, column, where, text) {
              try {
                await pool.query(`UPDATE ${table} SET ${column} = $1 WHERE ${where.column} = $2`, [text, where.value]);
              } catch (err) {
                // A JSONB column cannot hold text that is not JSON: the nearest damage is a JSON string where an object was.
                if ((err as { code?: string }).code !== '22P02') throw err;
                await pool.query(`UPDATE ${table} SET ${column} = to_jsonb($1::text) WHERE ${where.column} = $2`, [text, where.value]);
              }
            },
            async close() {
              // the pools are ended together by destroy()
            },
          };
        },
        async destroy() {
          await db.close();
        },
      };
    },
  };
}
