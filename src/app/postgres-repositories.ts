import type pg from 'pg';
import { createPgSession } from '../store/postgres/pg-session';
import type { Repositories, UnitOfWork } from './repositories';
// Each repository's PostgreSQL adapter lives beside its SQLite one (e.g. src/alerts/pg-alert-store.ts).
// PG-A: incidents, timeline, audit, pendingActions, reports, compactionLocks
// PG-B: alerts, jobs, escalations, outbox

/**
 * The store for several replicas: every repository on one `pg` pool. Migrations run before this (see
 * store/postgres/migrate-postgres.ts); transactions are READ COMMITTED with row locks where a race matters.
 */
export function createPostgresUnitOfWork(pool: pg.Pool): UnitOfWork {
  const session = createPgSession(pool);
  const repositories = {
    // filled in by the PG adapters as they land
  } as Repositories;
  return Object.freeze({ ...repositories, withTx: <T>(fn: (tx: Repositories) => Promise<T>) => session.withTx(() => fn(repositories)) });
}
