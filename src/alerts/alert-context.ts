import { createHash } from 'node:crypto';
import type { Services } from '../app/services';
import type { NodeConfig } from '../config/schema';
import type { DiagnosisResult } from '../diagnosis/types';
import type { Incident } from '../incidents/incident-store';
import type { View } from '../surfaces/view';
import type { JobQueue } from './alert-jobs';
import type { AlertStore, AlertThread } from './alert-store';
import { headerView } from './alert-views';
import { incidentMemory } from './incident-memory';
import type { KeyedLock } from './keyed-lock';
import type { SlackDirectory } from '../pagers/slack-directory';
import type { Lease } from '../store/lease';

/** What the alert jobs share. */
/** What the alerts feature uses of the bot (not the whole Services). */
export type AlertServices = Pick<
  Services,
  'config' | 'store' | 'log' | 'now' | 'metrics' | 'messenger' | 'inventory' | 'diagnoses' | 'stemedb' | 'metricNames' | 'charts' | 'escalations'
>;

export interface AlertContext {
  services: AlertServices;
  alerts: AlertStore;
  jobs: JobQueue;
  locks: KeyedLock;
  /** This process's lease: also its claim on the storm summaries it posts (see postOnce). */
  lease: Lease;
  /** Where a summary an earlier holder may have posted is looked for (none in the shell). */
  directory: SlackDirectory | undefined;
  /** The diagnosis of issue 3 (replaceable in benchmarks). */
  diagnose(node: NodeConfig): Promise<DiagnosisResult>;
  /** Wakes the worker after a job enqueued more work. */
  kick(): void;
}

const DAY_MS = 86_400_000;

/** Hash of what a message shows: an update is sent only when it changed. */
export function viewHash(view: View): string {
  return createHash('sha256')
    .update(JSON.stringify([view.text, view.blocks]))
    .digest('hex')
    .slice(0, 16);
}

/** The alert channel; intake refuses alerts without one, so jobs can rely on it. */
export function alertChannel(ctx: AlertContext): string {
  const channel = ctx.services.config.slack.alertChannel;
  if (!channel) throw new Error('slack.alertChannel is not configured');
  return channel;
}

/** The header of an incident as it should look now, memory included. */
export async function currentHeader(ctx: AlertContext, incident: Incident, thread: AlertThread): Promise<View> {
  const { config, store } = ctx.services;
  const alertname = incident.alertname ?? thread.alert.labels.alertname ?? 'alert';
  const days = config.alerts.memoryDays;
  let memory: string[] = [];
  if (incident.node) {
    const since = new Date(Date.parse(incident.openedAt) - days * DAY_MS);
    // Only incidents opened before this one, counted from its opening: a posted header's memory stays put.
    const history = (await store.incidents.history(incident.node, alertname, since, incident.id)).filter((h) => h.openedAt <= incident.openedAt);
    const lastEvents = history[0] ? await store.incidents.events(history[0].id) : [];
    memory = incidentMemory({ alertname, node: incident.node, days, history, lastEvents, now: new Date(incident.openedAt) });
  }
  return headerView({
    incident,
    alert: thread.alert,
    nodeLabel: thread.nodeLabel,
    nodeLabelName: config.stemedb.alertNodeLabel,
    memory,
    runbookUrl: thread.alert.annotations.runbook_url ?? config.stemedb.runbookUrl,
    silenceLabel: config.alertmanager ? `Silence ${formatSilence(config.alerts.silenceDuration)}` : undefined,
  });
}

function formatSilence(ms: number): string {
  return ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : `${Math.round(ms / 60_000)}m`;
}
