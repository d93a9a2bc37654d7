/** One PostgreSQL schema change. Versions match the SQLite migration they translate; 100-109 are HA-only tables. */
export interface PgMigration {
  version: number;
  name: string;
  sql: string;
}
