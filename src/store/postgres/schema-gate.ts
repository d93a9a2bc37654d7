import type { Pool } from 'pg';
import { checkSchema, incompatibleSchemaMessage, type SchemaStatus } from './migrate-postgres';
import type { PgMigration } from './pg-migration';
import { PG_MIGRATIONS } from './pg-migrations';

export interface SchemaGateLog {
  error(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
}

/**
 * What /readyz and the engine loop ask before work: "may this replica work on this database?". Re-checked
 * every `check()` (the engine calls it about once a minute); logs only when the answer changes, so a replica
 * left behind in a rolling upgrade says so once, not every tick. The claim SQL checks the same thing by
 * itself, so work stops at once even between two checks; this gate is for the log and /readyz.
 */
export class SchemaGate {
  private last: SchemaStatus | undefined;
  private lastError: string | undefined;

  constructor(
    private readonly pool: Pick<Pool, 'query'>,
    private readonly log: SchemaGateLog,
    private readonly migrations: readonly PgMigration[] = PG_MIGRATIONS,
  ) {}

  async check(): Promise<SchemaStatus | undefined> {
    try {
      const status = await checkSchema(this.pool, this.migrations);
      if (status.compatible !== this.last?.compatible) {
        if (status.compatible) this.log.info({ schema: status }, 'database schema known to this replica: engine work enabled');
        else this.log.error({ schema: status }, incompatibleSchemaMessage(status));
      }
      this.last = status;
      this.lastError = undefined;
      return status;
    } catch (err) {
      this.lastError = `database unreachable: ${(err as Error).message}`;
      return undefined;
    }
  }

  /**
   * For the engines: false once a check found a schema this code does not know. An unreachable database does
   * not close the gate (its queries fail by themselves, and the gate opens again without a restart).
   */
  compatible(): boolean {
    return this.last?.compatible !== false;
  }

  /** For /readyz: ready only when the database answered the last check and its schema is one this code knows. */
  readiness(): { ready: boolean; reason?: string } {
    if (this.lastError) return { ready: false, reason: this.lastError };
    if (!this.last) return { ready: false, reason: 'database schema not checked yet' };
    return this.last.compatible ? { ready: true } : { ready: false, reason: incompatibleSchemaMessage(this.last) };
  }
}
