import pg from 'pg';
import { z } from 'zod';

export interface PostgresStoreConfig {
  /** The environment variable holding the URL (`store.postgres.urlEnv`): the password stays out of the YAML. */
  urlEnv: string;
}

export class PostgresConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PostgresConfigError';
  }
}

const urlSchema = z.string().refine((u) => {
  try {
    return ['postgres:', 'postgresql:'].includes(new URL(u).protocol);
  } catch {
    return false;
  }
});

/**
 * Reads and checks the URL named by `urlEnv`. Errors name the variable, never its value: the URL carries
 * the database password.
 */
export function postgresUrl(config: PostgresStoreConfig, env: Record<string, string | undefined>): string {
  const value = env[config.urlEnv];
  if (value === undefined || value === '') {
    throw new PostgresConfigError(
      `store.postgres.urlEnv names ${config.urlEnv}, which is not set: export ${config.urlEnv}=postgres://user:password@host:5432/db`,
    );
  }
  if (!urlSchema.safeParse(value).success) {
    throw new PostgresConfigError(
      `${config.urlEnv} is not a PostgreSQL URL (expected postgres://user:password@host:5432/db; value not shown, it may hold a password)`,
    );
  }
  return value;
}

export interface PoolOptions {
  /** Connections per replica; 3 replicas x 10 stays far below PostgreSQL's default max_connections (100). */
  max?: number;
  /** `application_name` in pg_stat_activity: which replica holds which connection. */
  applicationName?: string;
  /** Called with errors of idle connections (server restart, failover): logged, never a crash. */
  onError?: (err: Error) => void;
}

/**
 * A `pg` Pool for the store. An idle client's error (the server went away) would otherwise be an unhandled
 * 'error' event that ends the process; here it is reported and the pool opens a new connection next time.
 */
export function createPgPool(config: PostgresStoreConfig, env: Record<string, string | undefined>, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: postgresUrl(config, env),
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'stemedb-chatops',
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // A query stuck behind a lock must not stall a replica's loop forever; engine queries are short.
    statement_timeout: 15_000,
    keepAlive: true,
  });
  pool.on('error', (err) => options.onError?.(err));
  return pool;
}
