import type { Repositories, UnitOfWork } from '../app/repositories';
import type { Services } from '../app/services';
import { alertProblem } from '../incidents/incident-problem';
import type { JobKind, JobQueue } from './alert-jobs';
import type { StoredAlert } from './alert-store';
import { endedAt, episodeOf, type AlertmanagerAlert, type AlertmanagerPayload } from './alertmanager-payload';

export interface IntakeResult {
  received: number;
  opened: number;
  repeated: number;
  resolved: number;
  /** Resolved notifications for alerts with no open incident (never seen firing, or already resolved). */
  ignored: number;
  stormed: number;
  /** Alerts that could not be recorded (the others were); `failures` says why, one line per alert. */
  failed: number;
  failures: string[];
}

export interface IntakeDeps {
  services: Pick<Services, 'config' | 'inventory'>;
  store: Pick<UnitOfWork, 'withTx'>;
}

/** The repositories one alert's savepoint writes through; its jobs are enqueued after every alert (see below). */
type IntakeTx = Pick<Repositories, 'incidents' | 'alerts'> & { jobs: Pick<JobQueue, 'enqueue'> };

type Enqueued = { kind: JobKind; target: string; at: Date };

/** A storm's summary keeps collecting its alert name's alerts while they keep coming. */
const SUMMARY_ACTIVE_MS = 30 * 60_000;

/**
 * Records a webhook's alerts in ONE transaction: incidents (one per fingerprint and firing episode, so re-sent
 * copies land on the same one), their alert threads, and the work that will post them. When this returns, the
 * alerts survive a crash; when it throws, nothing was written. Each alert has its own savepoint: one that
 * cannot be recorded is rolled back alone and counted in `failed`, and never costs the others.
 */
export async function recordAlerts(deps: IntakeDeps, payload: AlertmanagerPayload, at: Date): Promise<IntakeResult> {
  const channel = deps.services.config.slack.alertChannel;
  if (!channel) throw new Error('slack.alertChannel is not configured');
  const result: IntakeResult = { received: payload.alerts.length, opened: 0, repeated: 0, resolved: 0, ignored: 0, stormed: 0, failed: 0, failures: [] };
  await deps.store.withTx(async (outer) => {
    const jobs = new Map<string, Enqueued>();
    // Opening an incident locks its node to commit (PostgreSQL): all of this webhook's, in one order, first,
    // or two webhooks naming the same nodes in other orders deadlock. Alerts still go in payload order (the
    // first ones of a storm get their own threads).
    const { config, inventory } = deps.services;
    await outer.incidents.lockForOpen(
      payload.alerts
        .filter((a) => a.status === 'firing')
        .map((a) => ({
          node: nodeFor(inventory, a.labels[config.stemedb.alertNodeLabel] ?? null)?.name ?? null,
          fingerprint: a.fingerprint,
          episode: episodeOf(a),
        })),
    );
    // One alert after the other: savepoints of one transaction must not interleave.
    for (const alert of payload.alerts) {
      // A nested withTx is a SAVEPOINT: a throw undoes this alert's writes; its counts are kept apart until
      // it committed.
      const counts = { ...result, failures: [] as string[] };
      const mine: Enqueued[] = [];
      const collect = { enqueue: async (kind: JobKind, target: string, when: Date) => void mine.push({ kind, target, at: when }) };
      try {
        await deps.store.withTx(async (tx) => {
          const intake: IntakeTx = { incidents: tx.incidents, alerts: tx.alerts, jobs: collect };
          return alert.status === 'firing' ? recordFiring(deps, intake, alert, channel, at, counts) : recordResolved(intake, alert, at, counts);
        });
        Object.assign(result, { ...counts, failures: result.failures });
        for (const job of mine) if (!jobs.has(`${job.kind}:${job.target}`)) jobs.set(`${job.kind}:${job.target}`, job);
      } catch (err) {
        result.failed++;
        result.failures.push(`${alert.fingerprint}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    // Jobs go in last, in one order for every transaction: a pending job's unique key is locked until commit,
    // and two webhooks naming the same nodes in other orders would otherwise deadlock on PostgreSQL.
    for (const job of [...jobs.values()].sort((a, b) =>
      a.kind === b.kind ? (a.target < b.target ? -1 : a.target > b.target ? 1 : 0) : a.kind < b.kind ? -1 : 1,
    )) {
      await outer.jobs.enqueue(job.kind, job.target, job.at);
    }
  });
  return result;
}

function stored(alert: AlertmanagerAlert): StoredAlert {
  const { status, labels, annotations, startsAt, endsAt, generatorURL } = alert;
  return { status, labels, annotations, startsAt, endsAt, generatorURL };
}

async function recordFiring(deps: IntakeDeps, tx: IntakeTx, alert: AlertmanagerAlert, channel: string, at: Date, result: IntakeResult): Promise<void> {
  const { config, inventory } = deps.services;
  const nodeLabel = alert.labels[config.stemedb.alertNodeLabel] ?? null;
  const node = nodeFor(inventory, nodeLabel);
  const { incident, created, joined } = await tx.incidents.openOrGet(
    {
      node: node?.name ?? null,
      title: alert.annotations.summary ?? alert.labels.alertname,
      source: 'alert',
      severity: alert.labels.severity ?? null,
      alertname: alert.labels.alertname,
      fingerprint: alert.fingerprint,
      episode: episodeOf(alert),
      problem: alertProblem(alert.labels, config.stemedb.alertNodeLabel),
      labels: alert.labels,
      annotations: alert.annotations,
      channel,
    },
    at,
  );
  if (created)
    await tx.incidents.addEvent(incident.id, 'alert_fired', at, 'alertmanager', {
      startsAt: alert.startsAt,
      alertname: alert.labels.alertname,
      severity: alert.labels.severity ?? null,
      fingerprint: alert.fingerprint,
    });
  const thread = await tx.alerts.thread(incident.id);
  // An alert that joins an incident a diagnosis or `escalate` opened gives it its thread state: the incident's
  // thread (already paging) gains the alert header and the diagnosis, and no second chain starts.
  if (created || !thread) {
    const { stormThreshold, stormWindow } = config.alerts;
    const storm = (await tx.alerts.createdSince(new Date(at.getTime() - stormWindow))) >= stormThreshold;
    const summary = storm ? await tx.alerts.summaryFor(alert.labels.alertname, channel, at, new Date(at.getTime() - SUMMARY_ACTIVE_MS)) : undefined;
    await tx.alerts.addThread(
      { incidentId: incident.id, nodeLabel, alert: stored(alert), summaryId: summary?.id ?? null, diagState: node ? 'wanted' : 'unknown_node' },
      at,
    );
    await tx.jobs.enqueue('sync', incident.id, at);
    // The diagnosis starts at once (after the reply), not after Slack has taken the header.
    if (node) await tx.jobs.enqueue('diagnose', node.name, at);
    if (summary) result.stormed++;
    result.opened++;
    return;
  }
  result.repeated++;
  // Another alert of the node's problem (same name, another exporter): recorded on the incident, the thread keeps its header.
  if (joined) return;
  // A late retry of a firing notification must not touch an incident that already resolved.
  if (incident.status !== 'open') return;
  if (await tx.alerts.touchThread(incident.id, stored(alert), at)) {
    await tx.incidents.addEvent(incident.id, 'alert_refired', at, 'alertmanager', { startsAt: alert.startsAt, annotations: alert.annotations });
    await tx.jobs.enqueue('sync', incident.id, at);
  }
}

/**
 * The node a label names (name, or API host:port); for another exporter's target on the node's host
 * (`10.0.0.11:9100` from node_exporter), the node on that host.
 */
export function nodeFor(inventory: Services['inventory'], label: string | null) {
  if (!label) return undefined;
  return inventory.matchLabel(label) ?? (/:\d+$/.test(label) ? inventory.matchLabel(label.replace(/:\d+$/, '')) : undefined);
}

async function recordResolved(tx: IntakeTx, alert: AlertmanagerAlert, at: Date, result: IntakeResult): Promise<void> {
  const incidents = tx.incidents;
  const found = await incidents.resolveAlert(alert.fingerprint, at);
  if (!found) {
    result.ignored++;
    return;
  }
  const { incident } = found;
  // The incident stays open while another alert of it still fires.
  if (found.othersFiring > 0) {
    await incidents.addEvent(incident.id, 'alert_resolved', at, 'alertmanager', {
      endsAt: alert.endsAt,
      fingerprint: alert.fingerprint,
      othersFiring: found.othersFiring,
    });
    result.resolved++;
    return;
  }
  const ended = endedAt(alert);
  const resolvedAt = ended && ended.getTime() <= at.getTime() ? ended : at;
  await incidents.addEvent(incident.id, 'alert_resolved', at, 'alertmanager', { endsAt: alert.endsAt });
  await incidents.resolve(incident.id, resolvedAt, 'alertmanager');
  if (await tx.alerts.thread(incident.id)) await tx.alerts.touchThread(incident.id, stored(alert), at);
  await tx.jobs.enqueue('sync', incident.id, at);
  result.resolved++;
}
