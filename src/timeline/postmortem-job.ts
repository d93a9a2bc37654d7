import { AsyncResource } from 'node:async_hooks';
import type { Services } from '../app/services';
import type { JobQueue } from '../alerts/alert-jobs';
import { uploadPostmortem } from './postmortem';

/** After the resolve note had its chance to go first (the sync job runs at once). */
const POSTMORTEM_DELAY_MS = 1_000;

/**
 * Bound when the module loads, outside any request: the kick runs in that context, not in the resolve's
 * transaction, so the worker's store calls wait for that transaction to end instead of joining it.
 */
const outsideCallerContext = AsyncResource.bind((fn: () => void) => fn());

/** Queues the draft for an incident that just resolved; the kick runs after the caller's transaction. */
export async function queuePostmortem(jobs: Pick<JobQueue, 'enqueue'>, incidentId: string, at: Date, kick: () => void): Promise<void> {
  await jobs.enqueue('postmortem', incidentId, at, new Date(at.getTime() + POSTMORTEM_DELAY_MS));
  setImmediate(() => outsideCallerContext(kick));
}

/** The queued job: uploads the draft; a thread not posted yet (Slack slow) is retried with backoff. */
export async function postmortemJob(services: Parameters<typeof uploadPostmortem>[0] & Pick<Services, 'log'>, incidentId: string): Promise<void> {
  const incident = await services.store.incidents.get(incidentId);
  if (!incident) return;
  if (incident.channel && !incident.threadTs) throw new Error(`the thread of ${incidentId} is not posted yet`);
  const uploaded = await uploadPostmortem(services, incidentId);
  services.log.info({ incidentId, uploaded }, uploaded ? 'postmortem draft uploaded' : 'postmortem draft not uploaded: no thread');
}
