import type { UnitOfWork } from '../app/repositories';
import type { Services } from '../app/services';

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
export async function pruneOlderThan(store: UnitOfWork, cutoff: Date): Promise<PruneResult> {
  return store.withTx(async (tx) => {
    const { incidents, events } = await tx.incidents.pruneResolvedBefore(cutoff);
    const audit = await tx.audit.pruneBefore(cutoff);
    // Button records past their expiry can no longer be redeemed; keeping them as long as the audit log is enough.
    await tx.pendingActions.prune(cutoff);
    // Diagnosis runs no remaining incident shows (the incidents pruned above took theirs with them).
    await tx.diagnoses.pruneBefore(cutoff);
    return { incidents, events, audit };
  });
}

/** One retention pass: prunes what is older than `retention.days`; logs what it removed, or why it removed nothing. Never throws. */
export async function runRetention(services: Pick<Services, 'config' | 'store' | 'log' | 'now'>): Promise<void> {
  const { days } = services.config.retention;
  try {
    const removed = await pruneOlderThan(services.store, new Date(services.now().getTime() - days * DAY_MS));
    if (removed.incidents + removed.audit > 0) services.log.info({ ...removed, days }, 'retention: removed old incidents and audit entries');
  } catch (err) {
    // A table another feature added that still references an old incident: keep everything, say why.
    services.log.warn({ err, days }, 'retention: pruning failed; nothing was removed');
  }
  try {
    // Seen Slack deliveries only need to outlive the senders' retries: a day (SPEC 10).
    await services.store.deliveries.prune(new Date(services.now().getTime() - DAY_MS));
  } catch (err) {
    services.log.warn({ err }, 'retention: pruning seen deliveries failed');
  }
  try {
    // A thread-opening post's claim only matters while it is being posted; old ones go with old incidents.
    await services.store.postClaims.prune(new Date(services.now().getTime() - days * DAY_MS));
  } catch (err) {
    services.log.warn({ err }, 'retention: pruning post claims failed');
  }
}

/**
 * Runs the pruning now and every `retention.interval` in this process; returns the stopper (it waits for a run
 * in flight). The runtime runs `runRetention` as a periodic duty instead (once per interval across replicas).
 */
export function startRetentionJob(services: Pick<Services, 'config' | 'store' | 'log' | 'now'>): () => Promise<void> {
  const { interval } = services.config.retention;
  let inFlight: Promise<void> = Promise.resolve();
  const run = () => {
    inFlight = runRetention(services);
  };
  run();
  const timer = setInterval(run, interval);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await inFlight;
  };
}
