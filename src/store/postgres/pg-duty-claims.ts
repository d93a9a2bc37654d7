import type { DutyClaims } from '../../ops/periodic-duty';
import { PeriodicDuties } from './periodic-duties';
import type { Queryable } from './work-leases';

/** Finished periods kept per duty (for the log and a look back); older rows are removed as new ones finish. */
const KEEP_PERIODS = 500;

/** Periodic duties on PostgreSQL: one `periodic_runs` row per duty and period (database time), leased to `owner`. */
export function pgDutyClaims(db: Queryable, owner: string): DutyClaims {
  const duties = new PeriodicDuties(db);
  return {
    async claim(duty, periodMs, leaseMs) {
      const claim = await duties.claim(duty, periodMs, owner, leaseMs);
      if (!claim) return undefined;
      return {
        period: claim.period,
        takeover: claim.takeover,
        async finish() {
          const ok = await duties.finish(claim);
          await db.query('DELETE FROM periodic_runs WHERE duty = $1 AND period < $2::bigint - $3', [duty, claim.period, KEEP_PERIODS]);
          return ok;
        },
      };
    },
  };
}
