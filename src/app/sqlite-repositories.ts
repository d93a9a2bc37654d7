import { createSqlitePendingActionStore, type PendingActionStore } from '../access/pending-actions';
import { createSqliteJobQueue, type JobQueue } from '../alerts/alert-jobs';
import { createSqliteAlertStore, type AlertStore } from '../alerts/alert-store';
import { createSqliteCompactionLockStore, type CompactionLockStore } from '../compaction/compaction-lock-store';
import { createSqliteDiagnosisStore, type DiagnosisStore } from '../diagnosis/diagnosis-store';
import { createSqliteEscalationStore, type EscalationStore } from '../escalation/escalation-store';
import { createSqlitePageOutbox, type PageOutbox } from '../escalation/page-outbox';
import { createSqliteIncidentStore, type IncidentStore } from '../incidents/incident-store';
import { createReportStore, type ReportStore } from '../reports/report-store';
import { createSqliteSlackPace, type SlackPace } from '../slack/slack-pace';
import { createSqliteAuditLog, type AuditLog } from '../store/audit-log';
import { createSqliteDeliveryDedupe, type DeliveryDedupe } from '../store/delivery-dedupe';
import { createSqlitePostClaims, type PostClaims } from '../store/post-claims';
import type { Db } from '../store/database';
import { asyncRepository, createTxGate } from '../store/sqlite/tx-gate';
import { createTimelineLog, type TimelineLog } from '../timeline/timeline-log';
import { withTimeout, type Repositories, type UnitOfWork } from './repositories';

export interface SqliteRepositoryOptions {
  /** Tests force incident id collisions with it. */
  newIncidentId?: () => string;
}

/** The embedded store: every repository on one better-sqlite3 connection behind one transaction gate. */
export function createSqliteUnitOfWork(db: Db, options: SqliteRepositoryOptions = {}): UnitOfWork {
  const gate = createTxGate(db);
  const timeline = createTimelineLog(db);
  const repositories: Repositories = {
    incidents: asyncRepository<IncidentStore>(createSqliteIncidentStore(db, { timeline, newId: options.newIncidentId }), gate),
    timeline: asyncRepository<TimelineLog>(timeline, gate, ['onAppend']),
    audit: asyncRepository<AuditLog>(createSqliteAuditLog(db), gate),
    pendingActions: asyncRepository<PendingActionStore>(createSqlitePendingActionStore(db), gate),
    alerts: asyncRepository<AlertStore>(createSqliteAlertStore(db), gate),
    jobs: asyncRepository<JobQueue>(createSqliteJobQueue(db), gate),
    escalations: asyncRepository<EscalationStore>(createSqliteEscalationStore(db), gate),
    diagnoses: asyncRepository<DiagnosisStore>(createSqliteDiagnosisStore(db), gate),
    outbox: asyncRepository<PageOutbox>(createSqlitePageOutbox(db), gate),
    compactionLocks: asyncRepository<CompactionLockStore>(createSqliteCompactionLockStore(db), gate),
    reports: asyncRepository<ReportStore>(createReportStore(db), gate),
    deliveries: asyncRepository<DeliveryDedupe>(createSqliteDeliveryDedupe(db), gate),
    slackPace: asyncRepository<SlackPace>(createSqliteSlackPace(db), gate),
    postClaims: asyncRepository<PostClaims>(createSqlitePostClaims(db), gate),
  };
  return Object.freeze({
    ...repositories,
    withTx: <T>(fn: (tx: Repositories) => Promise<T>) => gate.withTx(() => fn(repositories)),
    // Through the gate: a transaction held open for good shows as a timeout, as a wedged database would.
    ping: (timeoutMs: number) =>
      withTimeout(
        gate.run(() => void db.prepare('SELECT 1').get()),
        timeoutMs,
        'SQLite store',
      ),
  });
}
