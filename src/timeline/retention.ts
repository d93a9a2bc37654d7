import type { Services } from '../app/services';
import type { Db } from '../store/database';

const DAY_MS = 86_400_000;

export interface PruneResult {
  incidents: number;
  events: number;
  audit: number;
}

/**
 * Removes resolved incidents (resolved before `cutoff`) with everything recorded about them, and audit entries
 * older than `cutoff`, in one transaction. Open incidents are kept whatever their age: someone is on them.
 */
export function pruneOlderThan(db: Db, cutoff: Date): PruneResult {
  const at = cutoff.toISOString();
  return db.transaction(() => {
    const old = "SELECT id FROM incidents WHERE status = 'resolved' AND COALESCE(resolved_at, opened_at) < ?";
    const events = db.prepare(`DELETE FROM incident_events WHERE incident_id IN (${old})`).run(at).changes;
    db.prepare(`DELETE FROM alert_threads WHERE incident_id IN (${old})`).run(at);
    db.prepare(`DELETE FROM incident_alerts WHERE incident_id IN (${old})`).run(at);
    db.prepare(`DELETE FROM alert_jobs WHERE status != 'pending' AND status != 'running' AND target IN (${old})`).run(at);
    db.prepare(`DELETE FROM page_outbox WHERE incident_id IN (${old})`).run(at);
    db.prepare(`DELETE FROM escalations WHERE incident_id IN (${old})`).run(at);
    const incidents = db.prepare(`DELETE FROM incidents WHERE id IN (${old}) AND id NOT IN (SELECT target FROM alert_jobs)`).run(at).changes;
    const audit = db.prepare('DELETE FROM audit_log WHERE at < ?').run(at).changes;
    // Button records past their expiry can no longer be redeemed; keeping them as long as the audit log is enough.
    db.prepare('DELETE FROM pending_actions WHERE expires_at < ?').run(at);
    return { incidents, events, audit };
  })();
}

/** Runs the pruning now and every `retention.interval`; returns the stopper. */
export function startRetentionJob(services: Pick<Services, 'config' | 'store' | 'log' | 'now'>): () => void {
  const { days, interval } = services.config.retention;
  const run = () => {
    try {
      const removed = pruneOlderThan(services.store.db, new Date(services.now().getTime() - days * DAY_MS));
      if (removed.incidents + removed.audit > 0) services.log.info({ ...removed, days }, 'retention: removed old incidents and audit entries');
    } catch (err) {
      // A table another feature added that still references an old incident: keep everything, say why.
      services.log.warn({ err, days }, 'retention: pruning failed; nothing was removed');
    }
  };
  run();
  const timer = setInterval(run, interval);
  timer.unref();
  return () => clearInterval(timer);
}
