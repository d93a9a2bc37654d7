import type { UnitOfWork } from '../../../src/app/repositories';
import type { Db } from '../../../src/store/database';
import type { PgSession } from '../../../src/store/postgres/pg-session';

/** The connection under the store, for contracts of modules that are not (yet) part of `Repositories`. */
export type RawStore = { kind: 'sqlite'; db: Db } | { kind: 'postgres'; session: PgSession };

/**
 * What a store implementation gives the contract suites. `open()` may be called more than once for the same
 * backing store: each call is a second process (a restart, a replica) on the same data.
 */
export interface StoreConnection {
  store: UnitOfWork;
  /** The same connection, raw: a suite builds `createSqliteXxx(db)` or `createPgXxx(session)` on it. */
  raw?: RawStore;
  /** Test-only: overwrites one column of one row, the way a bad write or a manual edit could damage it. */
  corrupt(table: string, column: string, where: { column: string; value: string | number }, text: string): Promise<void>;
  close(): Promise<void>;
}

/** Test seams of a connection's repositories. */
export interface OpenOptions {
  /** Forces incident id collisions. */
  newIncidentId?: () => string;
}

export interface StoreFactory {
  name: string;
  /** A fresh, empty, migrated store; `open` connects to it. */
  create(): Promise<{ open(options?: OpenOptions): Promise<StoreConnection>; destroy(): Promise<void> }>;
}
