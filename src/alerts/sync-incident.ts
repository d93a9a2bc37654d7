import { chartAlertThread } from '../charts/thread-charts';
import type { Incident } from '../incidents/incident-store';
import { diagnosisView } from '../render/diagnosis-blocks';
import { alertChannel, currentHeader, viewHash, type AlertContext } from './alert-context';
import type { AlertThread } from './alert-store';
import { diagnosingView, resolvedNoteView, unknownNodeView } from './alert-views';
import { applyDiagnosis, reusableDiagnosis } from './node-diagnosis';
import { ensureSummaryPosted } from './refresh-summary';

const SUMMARY_REFRESH_DELAY_MS = 2_000;

/**
 * Brings one incident's Slack messages in line with the store: header (or its storm summary's thread),
 * "diagnosing..." in the thread, the header's current state, the resolved note. Idempotent and resumable:
 * every post is followed at once by storing its ts, and a step whose ts is stored is never posted again.
 */
export async function syncIncident(ctx: AlertContext, incidentId: string): Promise<void> {
  const { services, alerts } = ctx;
  const incidents = services.store.incidents;
  let incident = await incidents.get(incidentId);
  let thread = await alerts.thread(incidentId);
  if (!incident || !thread) return;

  if (incident.status === 'resolved' && !thread.escalationClosed) {
    // Before any Slack call: an outage of Slack must not keep the pager going.
    await services.escalations.resolveIncident(incidentId, 'alertmanager');
    await alerts.update(incidentId, { escalationClosed: true });
  }

  if (!incident.threadTs) {
    await openThread(ctx, incident, thread);
    incident = (await incidents.get(incidentId))!;
    thread = (await alerts.thread(incidentId))!;
  }

  // A storm member is counted on its summary before its diagnosis reply is posted: in a storm the alert
  // channel is backed up with replies for minutes, and the summary is the overview people read meanwhile.
  if (thread.summaryId !== null) await refreshSummarySoon(ctx, thread.summaryId);
  await postDiagnosisPlaceholder(ctx, incident, thread);
  incident = (await incidents.get(incidentId))!;
  thread = (await alerts.thread(incidentId))!;

  if (thread.summaryId !== null) {
    await refreshSummarySoon(ctx, thread.summaryId); // the member's line shows its diagnosis now
    return;
  }
  const header = await currentHeader(ctx, incident, thread);
  const hash = viewHash(header);
  if (hash !== thread.headerHash) {
    await services.messenger.update(incident.channel!, incident.threadTs!, header, 'status');
    await alerts.update(incidentId, { headerHash: hash });
  }
  if (incident.status === 'resolved' && !thread.resolvedTs) {
    const note = await services.messenger.post(incident.channel!, resolvedNoteView(incident, incident.alertname ?? 'alert'), {
      threadTs: incident.threadTs!,
      priority: 'status',
    });
    await alerts.update(incidentId, { resolvedTs: note.ts });
  }
}

/** Posts the header, or joins the storm summary; the thread ts is stored before anything goes in the thread. */
async function openThread(ctx: AlertContext, incident: Incident, thread: AlertThread): Promise<void> {
  const incidents = ctx.services.store.incidents;
  const now = ctx.services.now();
  if (thread.summaryId !== null) {
    const summary = await ensureSummaryPosted(ctx, thread.summaryId);
    await incidents.setThread(incident.id, summary.channel, summary.ts);
    await incidents.addEvent(incident.id, 'thread_posted', now, 'bot', { channel: summary.channel, ts: summary.ts, storm: true });
    return;
  }
  const post = async (beforeSend: () => Promise<void>) => {
    const header = await currentHeader(ctx, incident, thread);
    const posted = await ctx.services.messenger.post(alertChannel(ctx), header, { priority: 'status', beforeSend });
    await incidents.setThread(incident.id, posted.channel, posted.ts);
    await ctx.alerts.update(incident.id, { headerHash: viewHash(header) });
    await incidents.addEvent(incident.id, 'thread_posted', now, 'bot', { channel: posted.channel, ts: posted.ts });
    return { channel: posted.channel, ts: posted.ts };
  };
  // An incident an escalation opened may be posting its header right now: then that is the thread, and the
  // header update below turns it into the alert's.
  await ctx.services.escalations.ensureThread(incident.id, post);
}

/** The node's diagnosis, or "diagnosing..." (replaced by it later), or the "not in the inventory" note. */
async function postDiagnosisPlaceholder(ctx: AlertContext, incident: Incident, thread: AlertThread): Promise<void> {
  const { services, alerts } = ctx;
  const { config, inventory } = services;
  if (thread.diagState === 'unknown_node') {
    // A storm's summary line already says so; one note per alert would flood its thread.
    if (thread.summaryId !== null) return void (await alerts.casDiagState(incident.id, ['unknown_node'], 'none'));
    const note = unknownNodeView({
      nodeLabel: thread.nodeLabel,
      nodeLabelName: config.stemedb.alertNodeLabel,
      known: inventory.names(),
      runbookUrl: config.stemedb.runbookUrl,
    });
    if (!(await alerts.casDiagState(incident.id, ['unknown_node'], 'posting'))) return;
    const posted = await postOrRelease(ctx, incident, 'unknown_node', () =>
      services.messenger.post(incident.channel!, note, { threadTs: incident.threadTs!, priority: 'status' }),
    );
    await alerts.update(incident.id, { diagTs: posted.ts, diagState: 'none' });
    return;
  }
  if (thread.diagState !== 'wanted' || !incident.node) return;
  if (incident.status === 'resolved') {
    await alerts.casDiagState(incident.id, ['wanted'], 'none');
    return;
  }
  if (thread.summaryId !== null && (await stormSiblingDiagnosing(ctx, incident.node, thread))) {
    await alerts.casDiagState(incident.id, ['wanted'], 'shared');
    return;
  }
  if (!(await alerts.casDiagState(incident.id, ['wanted'], 'posting'))) return;
  // The node's diagnosis (queued at intake) often answers already: then post it, not a placeholder.
  const answer = await reusableDiagnosis(ctx, incident);
  const view = answer ? diagnosisView(answer, { node: incident.node, incidentId: incident.id }) : diagnosingView(incident.node);
  const posted = await postOrRelease(ctx, incident, 'wanted', () =>
    services.messenger.post(incident.channel!, view, { threadTs: incident.threadTs!, priority: 'detail' }),
  );
  await alerts.update(incident.id, { diagTs: posted.ts, diagState: answer ? 'done' : 'awaiting' });
  if (answer) {
    chartAlertThread(services, incident, thread.summaryId, answer);
    return applyDiagnosis(ctx, incident, answer);
  }
  await ctx.jobs.enqueue('diagnose', incident.node, services.now());
  ctx.kick();
}

/** A failed post gives the claim back, so the job's retry posts it. */
async function postOrRelease<T>(ctx: AlertContext, incident: Incident, previous: 'wanted' | 'unknown_node', post: () => Promise<T>): Promise<T> {
  try {
    return await post();
  } catch (err) {
    await ctx.alerts.casDiagState(incident.id, ['posting'], previous);
    throw err;
  }
}

/**
 * In a storm a node's diagnosis is posted once, in the summary thread of whichever of its alerts got there first;
 * every summary line of the node shows its verdict.
 */
/** A storm changes its summary many times a second: one update per short while says the same at Slack's pace. */
async function refreshSummarySoon(ctx: AlertContext, summaryId: number): Promise<void> {
  const now = ctx.services.now();
  await ctx.jobs.enqueue('summary', String(summaryId), now, new Date(now.getTime() + SUMMARY_REFRESH_DELAY_MS));
  ctx.kick();
}

async function stormSiblingDiagnosing(ctx: AlertContext, node: string, thread: AlertThread): Promise<boolean> {
  return (await ctx.alerts.openThreadsOfNode(node, ['posting', 'awaiting', 'running', 'done'])).some(
    (t) => t.summaryId !== null && t.incidentId !== thread.incidentId,
  );
}
