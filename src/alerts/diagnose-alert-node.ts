import { chartAlertThread } from '../charts/thread-charts';
import type { DiagnosisResult } from '../diagnosis/types';
import type { Incident } from '../incidents/incident-store';
import { diagnosisView } from '../render/diagnosis-blocks';
import type { View } from '../surfaces/view';
import { alertChannel, type AlertContext } from './alert-context';
import type { AlertThread } from './alert-store';
import { diagnosisFailedView } from './alert-views';
import { applyDiagnosis, reusableDiagnosis } from './node-diagnosis';

/** Open alerts still to be answered by a diagnosis of their node (those showing "diagnosing..." are claimed). */
const WAITING = ['wanted', 'posting', 'awaiting', 'shared'] as const;

/**
 * The `diagnose` job, queued when an alert for the node arrives: one diagnosis of the node answers all its
 * alerts of the minute (a storm's alerts on a node cost one). Threads that already show "diagnosing..." get it
 * in that message's place (a retry or restart updates the same message, never posts a second one); the others
 * post it directly when their turn comes.
 */
export async function diagnoseAlertNode(ctx: AlertContext, nodeName: string): Promise<void> {
  const { services, alerts } = ctx;
  const incidents = services.store.incidents;
  const placeholders = await alerts.claimForDiagnosis(nodeName);
  const waiting = async (): Promise<Incident[]> => {
    const threads = [...placeholders, ...(await alerts.openThreadsOfNode(nodeName, WAITING))];
    const found: Incident[] = [];
    for (const t of threads) {
      const incident = await incidents.get(t.incidentId);
      if (incident) found.push(incident);
    }
    return found;
  };
  let result: DiagnosisResult | undefined;
  let failed: View | undefined;
  if (await someUnanswered(ctx, await waiting())) {
    try {
      const node = services.inventory.get(nodeName);
      if (!node) throw new Error('the node is no longer in the inventory');
      result = await ctx.diagnose(node);
      await services.store.diagnoses.record(nodeName, services.now(), result);
    } catch (err) {
      services.log.error({ err, node: nodeName }, 'alert diagnosis failed');
      failed = diagnosisFailedView(nodeName, (err as Error).message);
    }
  }
  for (const incident of await waiting()) {
    const answer = await reusableDiagnosis(ctx, incident);
    if (!answer) continue;
    await applyDiagnosis(ctx, incident, answer);
    await ctx.jobs.enqueue('sync', incident.id, services.now());
  }
  ctx.kick();
  // Placeholders posted while it ran are answered too (or wait for the next run when they are too new).
  await replacePlaceholders(ctx, nodeName, [...placeholders, ...(await alerts.claimForDiagnosis(nodeName))], failed);
  if (result) {
    await services.diagnoses
      .publish(result, { channelId: alertChannel(ctx) })
      .catch((err: unknown) => services.log.warn({ err, node: nodeName }, 'a diagnosis listener failed'));
  }
}

/** True when one of these incidents has no diagnosis of its node to reuse. */
async function someUnanswered(ctx: AlertContext, incidents: readonly Incident[]): Promise<boolean> {
  for (const incident of incidents) if (!(await reusableDiagnosis(ctx, incident))) return true;
  return false;
}

/** Replaces each "diagnosing..." of the node with its diagnosis (or why there is none). */
async function replacePlaceholders(ctx: AlertContext, nodeName: string, claimed: readonly AlertThread[], failed: View | undefined): Promise<void> {
  const { services, alerts } = ctx;
  const failures: unknown[] = [];
  for (const thread of claimed) {
    const incident = await services.store.incidents.get(thread.incidentId);
    const answer = incident && (await reusableDiagnosis(ctx, incident));
    const view = answer ? diagnosisView(answer, { node: nodeName, incidentId: thread.incidentId }) : failed;
    if (!incident?.channel || !thread.diagTs || !view) {
      // Opened after this diagnosis started: the next one answers it.
      await alerts.casDiagState(thread.incidentId, ['running'], 'awaiting');
      if (incident) await ctx.jobs.enqueue('diagnose', nodeName, services.now());
      continue;
    }
    try {
      if (answer) await applyDiagnosis(ctx, incident, answer);
      await services.messenger.update(incident.channel, thread.diagTs, view, 'detail');
      await alerts.casDiagState(thread.incidentId, ['running'], 'done');
      if (answer) chartAlertThread(services, incident, thread.summaryId, answer);
    } catch (err) {
      await alerts.casDiagState(thread.incidentId, ['running'], 'awaiting');
      failures.push(err);
    }
  }
  if (failures.length > 0) throw new AggregateError(failures, `${failures.length} diagnosis message(s) of ${nodeName} could not be updated`);
}
