import type pg from 'pg';
import type { Config } from '../config/schema';
import { type Clock, guardTick } from '../ops/clock';
import { createDbClock, type DbClock } from '../ops/db-clock';
import type { Logger } from '../ops/logger';
import { localDutyClaims, type DutyClaims } from '../ops/periodic-duty';
import { openDatabase } from '../store/database';
import { migratePostgres } from '../store/postgres/migrate-postgres';
import { pgDutyClaims } from '../store/postgres/pg-duty-claims';
import { createPgPool } from '../store/postgres/pg-pool';
import { SchemaGate } from '../store/postgres/schema-gate';
import { acquireProcessLock, type ProcessLock } from '../store/process-lock';
import type { SecretSource } from './services';
import { MIGRATIONS } from './migrations';
import { createPostgresUnitOfWork } from './postgres-repositories';
import type { UnitOfWork } from './repositories';
import { createSqliteUnitOfWork } from './sqlite-repositories';

/** How often a replica on PostgreSQL re-reads the schema version (rolling upgrades) when no one asks. */
const SCHEMA_CHECK_MS = 60_000;
/** How often the engines of a replica on PostgreSQL look for work other replicas created or abandoned. */
export const REPLICA_POLL_MS = 1_000;

/** The store a runtime runs on, with what differs between one SQLite process and PostgreSQL replicas. */
export interface OpenedStore {
  kind: 'sqlite' | 'postgres';
  store: UnitOfWork;
  /** The engine's clock: the local one on SQLite, the database's (local + measured offset) on PostgreSQL. */
  clock: Clock;
  /** Whose turn a periodic duty's period is (once across replicas on PostgreSQL). */
  duties: DutyClaims;
  /** Engines poll for work at this period besides their in-process wake-ups (PostgreSQL); none on SQLite. */
  pollIntervalMs: number | undefined;
  /** False while this replica must do no engine work (its code is older than the database schema). */
  mayWork(): boolean;
  /**
   * For /readyz besides `store.ping`: why this replica must not take traffic, if it must not. On PostgreSQL it
   * re-reads the schema version, so the engines' gate also closes as soon as a load balancer's probe asks.
   */
  notReadyReason(): Promise<string | undefined>;
  /** Starts the periodic checks (schema gate, clock offset) of a bot. */
  startChecks(): void;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  config: Config;
  log: Logger;
  secret: SecretSource;
  clock: Clock;
  now?: () => number;
  role: 'bot' | 'client';
  /** This replica's name: the lease owner of its periodic duties, and its connections' application_name. */
  replica: string;
}

/**
 * SQLite (`store.sqlitePath`): one connection, and one bot process per file (the process lock). PostgreSQL
 * (`store.postgres`): a pool, migrations once under their advisory lock, the schema gate, the database clock.
 */
export async function openStore(options: OpenStoreOptions): Promise<OpenedStore> {
  const { config } = options;
  return config.store.postgres ? openPostgres(options, config.store.postgres) : openSqlite(options);
}

function openSqlite({ config, role, clock, now }: OpenStoreOptions): OpenedStore {
  const db = openDatabase(config.store.sqlitePath, MIGRATIONS);
  let lock: ProcessLock | undefined;
  if (role === 'bot' && config.store.sqlitePath !== ':memory:') {
    try {
      lock = acquireProcessLock(db, { path: config.store.sqlitePath, now });
    } catch (err) {
      db.close();
      throw err;
    }
  }
  return {
    kind: 'sqlite',
    // Every repository on this one connection; the features take theirs from `services.store`.
    store: createSqliteUnitOfWork(db),
    clock,
    duties: localDutyClaims(clock),
    pollIntervalMs: undefined,
    mayWork: () => true,
    notReadyReason: async () => undefined,
    startChecks: () => undefined,
    async close() {
      lock?.release();
      db.close();
    },
  };
}

async function openPostgres({ log, secret, clock: base, role, replica }: OpenStoreOptions, settings: { urlEnv: string }): Promise<OpenedStore> {
  const storeLog = log.child({ component: 'store' });
  const pool: pg.Pool = createPgPool(
    settings,
    { [settings.urlEnv]: secret(settings.urlEnv) },
    {
      applicationName: `stemedb-chatops ${replica}`.slice(0, 63),
      onError: (err) => storeLog.warn({ err }, 'an idle PostgreSQL connection failed (server restart or failover?): the pool reconnects'),
    },
  );
  try {
    // Once across replicas starting together: the others wait on the advisory lock, then find nothing to do.
    const migrated = await migratePostgres(pool);
    if (migrated.applied.length > 0) storeLog.info({ applied: migrated.applied, version: migrated.databaseVersion }, 'PostgreSQL migrations applied');
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  const gate = new SchemaGate(pool, storeLog);
  await gate.check();
  const clock: DbClock = createDbClock({
    base,
    read: async () => {
      const { rows } = await pool.query<{ t: Date }>('SELECT clock_timestamp() AS t');
      return rows[0]!.t.getTime();
    },
    log: storeLog,
  });
  await clock.sync();
  let gateTimer: ReturnType<Clock['setInterval']> | undefined;
  return {
    kind: 'postgres',
    store: createPostgresUnitOfWork(pool),
    clock,
    duties: pgDutyClaims(pool, replica),
    pollIntervalMs: REPLICA_POLL_MS,
    mayWork: () => gate.compatible(),
    async notReadyReason() {
      await gate.check();
      const r = gate.readiness();
      return r.ready ? undefined : r.reason;
    },
    startChecks() {
      if (role !== 'bot') return;
      void clock.start();
      gateTimer = base.setInterval(
        guardTick(storeLog, 'schema check', () => gate.check()),
        SCHEMA_CHECK_MS,
      );
    },
    async close() {
      clock.stop();
      base.clear(gateTimer);
      await pool.end();
    },
  };
}
