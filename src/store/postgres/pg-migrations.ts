import type { PgMigration } from './pg-migration';
import { PG_CORE_MIGRATIONS } from './pg-schema-core';
import { PG_ENGINE_MIGRATIONS } from './pg-schema-engine';
import { PG_HA_MIGRATIONS } from './pg-schema-ha';

/** Every PostgreSQL schema change, in order. Never edit an applied one: add a new one (and its SQLite twin). */
export const PG_MIGRATIONS: PgMigration[] = [...PG_CORE_MIGRATIONS, ...PG_ENGINE_MIGRATIONS, ...PG_HA_MIGRATIONS];

/** The newest schema this code understands. A database past it belongs to a newer release. */
export const PG_SCHEMA_VERSION = Math.max(...PG_MIGRATIONS.map((m) => m.version));

/**
 * Advisory lock key of schema changes: migrations hold it exclusively (transaction-scoped), engine claims try
 * it shared, so no replica claims work while another changes the tables under it (GoAlert does the same).
 * Any fixed 64-bit number unique to this application; this one spells "STEMchat".
 */
export const MIGRATE_LOCK_KEY = 0x5354454d63686174n;
