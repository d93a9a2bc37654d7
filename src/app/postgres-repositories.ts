import type pg from 'pg';
import { createPgAlertStore } from '../alerts/pg-alert-store';
import { createPgJobQueue } from '../alerts/pg-job-queue';
import { createPgDiagnosisStore } from '../diagnosis/pg-diagnosis-store';
import { createPgEscalationStore } from '../escalation/pg-escalation-store';
import { createPgPageOutbox } from '../escalation/pg-page-outbox';
import { createPgSession } from '../store/postgres/pg-session';
import { createPgPendingActionStore } from '../access/pg-pending-actions';
import { createPgCompactionLockStore } from '../compaction/pg-compaction-lock-store';
import { createPgIncidentStore } from '../incidents/pg-incident-store';
import { createPgReportStore } from '../reports/pg-report-store';
import { createPgAuditLog } from '../store/postgres/pg-audit-log';
import { createPgTimelineLog } from '../timeline/pg-timeline-log';
import { withTimeout, type Repositories, type UnitOfWork } from './repositories';
import { createPgSlackPace } from '../slack/pg-slack-pace';
import { createPgDeliveryDedupe } from '../store/postgres/pg-delivery-dedupe';
import { createPgPostClaims } from '../store/postgres/pg-post-claims';
// Each repository's PostgreSQL adapter lives beside its SQLite one (e.g. src/alerts/pg-alert-store.ts).

export interface PostgresRepositoryOptions {
  /** Tests force incident id collisions with it. */
  newIncidentId?: () => string;
}

/**
 * The store for several replicas: every repository on one `pg` pool. Migrations run before this (see
 * store/postgres/migrate-postgres.ts); transactions are READ COMMITTED with row locks where a race matters.
 */
export function createPostgresUnitOfWork(pool: pg.Pool, options: PostgresRepositoryOptions = {}): UnitOfWork {
  const session = createPgSession(pool);
  // One timeline: listeners registered on it also hear the events the incident store appends.
  const timeline = createPgTimelineLog(session);
  const repositories: Repositories = {
    incidents: createPgIncidentStore(session, { timeline, newId: options.newIncidentId }),
    timeline,
    audit: createPgAuditLog(session),
    pendingActions: createPgPendingActionStore(session),
    reports: createPgReportStore(session),
    compactionLocks: createPgCompactionLockStore(session),
    alerts: createPgAlertStore(session),
    jobs: createPgJobQueue(session),
    escalations: createPgEscalationStore(session),
    diagnoses: createPgDiagnosisStore(session),
    outbox: createPgPageOutbox(session),
    deliveries: createPgDeliveryDedupe(session),
    slackPace: createPgSlackPace(session),
    postClaims: createPgPostClaims(session),
  };
  return Object.freeze({
    ...repositories,
    withTx: <T>(fn: (tx: Repositories) => Promise<T>) => session.withTx(() => fn(repositories)),
    // A pooled connection and one round trip: an exhausted pool or an unreachable server times out.
    ping: (timeoutMs: number) =>
      withTimeout(
        session.one('SELECT 1').then(() => undefined),
        timeoutMs,
        'PostgreSQL store',
      ),
  });
}
