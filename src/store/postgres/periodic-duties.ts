import type { Queryable } from './work-leases';

export interface PeriodClaim {
  duty: string;
  /** floor(database epoch ms / periodMs): the same number on every replica, whatever its clock says. */
  period: string;
  owner: string;
  attempt: number;
  takeover: boolean;
}

/**
 * Duties that must run once per period across all replicas (the auditor, the chain check, retention), never
 * once per replica. The first replica to insert the period's row runs it (`INSERT ... ON CONFLICT DO
 * NOTHING`); the row carries a lease, so if that replica dies before `finish`, another takes the period over
 * after the lease (attempt + 1) instead of skipping it.
 */
export class PeriodicDuties {
  constructor(private readonly db: Queryable) {}

  async claim(duty: string, periodMs: number, owner: string, leaseMs: number): Promise<PeriodClaim | undefined> {
    const inserted = await this.db.query<{ period: string; attempt: number }>(
      `INSERT INTO periodic_runs (duty, period, owner, lease_until)
       VALUES ($1, floor(extract(epoch FROM now()) * 1000 / $2)::bigint, $3, now() + make_interval(secs => $4::double precision / 1000))
       ON CONFLICT (duty, period) DO NOTHING
       RETURNING period::text AS period, attempt`,
      [duty, periodMs, owner, leaseMs],
    );
    if (inserted.rows[0]) return { duty, period: inserted.rows[0].period, owner, attempt: inserted.rows[0].attempt, takeover: false };
    const taken = await this.db.query<{ period: string; attempt: number }>(
      `UPDATE periodic_runs SET owner = $3, attempt = attempt + 1, lease_until = now() + make_interval(secs => $4::double precision / 1000)
        WHERE duty = $1 AND period = floor(extract(epoch FROM now()) * 1000 / $2)::bigint AND finished_at IS NULL AND lease_until < now()
       RETURNING period::text AS period, attempt`,
      [duty, periodMs, owner, leaseMs],
    );
    return taken.rows[0] ? { duty, period: taken.rows[0].period, owner, attempt: taken.rows[0].attempt, takeover: true } : undefined;
  }

  /** Records the period done; false when another replica has taken it over meanwhile. */
  async finish(claim: PeriodClaim, db: Queryable = this.db): Promise<boolean> {
    const { rowCount } = await db.query(
      `UPDATE periodic_runs SET finished_at = now() WHERE duty = $1 AND period = $2 AND owner = $3 AND attempt = $4 AND finished_at IS NULL`,
      [claim.duty, claim.period, claim.owner, claim.attempt],
    );
    return rowCount === 1;
  }
}
