import { Gauge } from 'prom-client';
import type { Services } from '../app/services';
import type { NodeConfig } from '../config/schema';
import { diagnoseNode } from '../diagnosis/diagnose-node';
import type { DiagnosisResult } from '../diagnosis/types';
import type { HttpRoute } from '../http/http-route';
import type { Lease } from '../store/lease';
import type { SlackDirectory } from '../pagers/slack-directory';
import type { AlertContext, AlertServices } from './alert-context';
import type { JobQueue } from './alert-jobs';
import type { AlertStore } from './alert-store';
import { AlertWorker } from './alert-worker';
import { alertmanagerRoute } from './alertmanager-route';
import { diagnoseAlertNode } from './diagnose-alert-node';
import { KeyedLock } from './keyed-lock';
import { recordAlerts } from './record-alerts';
import { refreshSummary } from './refresh-summary';
import { syncIncident } from './sync-incident';
import { postmortemJob, queuePostmortem } from '../timeline/postmortem-job';

export interface AlertsFeature {
  store: AlertStore;
  jobs: JobQueue;
  worker: AlertWorker;
  /** `POST /alertmanager`, authenticated with `token` (`ALERTMANAGER_TOKEN`). */
  route(token: string | undefined): HttpRoute;
  /** Resumes work a previous process left (call once Slack's messenger is in place). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface AlertsFeatureOptions {
  /** The process's lease on the jobs its worker runs (owner from the runtime, `store.leaseTtl`). */
  lease: Lease;
  /** Replaces the diagnosis (benchmarks); the real one by default. */
  diagnose?: (node: NodeConfig) => Promise<DiagnosisResult>;
  /** The schema gate (PostgreSQL replicas): false stops the worker claiming jobs. */
  mayWork?: () => boolean;
  /** Slack's read side: a storm summary whose poster died is looked for before posting it again. */
  directory?: SlackDirectory;
}

/** Alert threads (SPEC 4.2): the webhook, the durable work queue and the worker that posts and diagnoses. */
export function createAlertsFeature(services: AlertServices, options: AlertsFeatureOptions): AlertsFeature {
  const { alerts: store, jobs } = services.store;
  const settings = services.config.alerts;
  const log = services.log.child({ component: 'alerts' });
  const ctx: AlertContext = {
    services,
    alerts: store,
    jobs,
    locks: new KeyedLock(),
    lease: options.lease,
    directory: options.directory,
    diagnose: options.diagnose ?? ((node) => diagnoseNode(services, node)),
    kick: () => worker.kick(),
  };
  const worker: AlertWorker = new AlertWorker({
    jobs,
    // A job taken over from a holder that died left the thread state it owned in progress: reset it first.
    handlers: {
      sync: async (id, job) => {
        if (job.takeover) await store.resetInterruptedPost(id);
        await syncIncident(ctx, id);
      },
      diagnose: async (node, job) => {
        if (job.takeover) await store.resetInterruptedDiagnosis(node);
        await diagnoseAlertNode(ctx, node);
      },
      summary: (id) => refreshSummary(ctx, Number(id)),
      postmortem: (id) => postmortemJob(services, id),
    },
    log,
    now: () => services.now(),
    diagnoseConcurrency: settings.diagnoseConcurrency,
    concurrency: 16,
    maxAttempts: 30,
    mayWork: options.mayWork,
    lease: options.lease,
    metrics: services.metrics,
  });
  registerJobGauge(services, jobs);
  // The postmortem draft is queued in the resolve's own transaction: a crash right after still uploads it.
  // The listener runs inside that transaction, so the enqueue's statement runs at once; its promise only
  // carries an error, which is logged.
  services.store.timeline.onAppend((e) => {
    if (e.kind !== 'resolved') return;
    queuePostmortem(jobs, e.incidentId, new Date(e.at), () => worker.kick()).catch((err: unknown) =>
      log.error({ err, incidentId: e.incidentId }, 'could not queue the postmortem draft'),
    );
  });
  return {
    store,
    jobs,
    worker,
    route: (token) =>
      alertmanagerRoute({
        token,
        unavailable: () => (services.config.slack.alertChannel ? undefined : 'slack.alertChannel is not configured: alerts have nowhere to go'),
        record: async (payload, at) => {
          const result = await recordAlerts({ services, store: services.store }, payload, at);
          for (const alert of payload.alerts) services.metrics.alertsReceived.inc({ status: alert.status });
          services.log.info({ groupKey: payload.groupKey, ...result }, 'alerts recorded');
          return result;
        },
        afterReply: () => worker.kick(),
        log: services.log,
        now: () => services.now(),
      }),
    start: () => worker.start(),
    stop: () => worker.stop(),
  };
}

const JOB_GAUGE = 'stemedb_chatops_alert_jobs';

/** Alert work waiting (pending, running) and given up (failed): a growing backlog means Slack is not keeping up. */
function registerJobGauge(services: Pick<Services, 'metrics'>, jobs: JobQueue): void {
  const registry = services.metrics.registry;
  if (registry.getSingleMetric(JOB_GAUGE)) return;
  new Gauge({
    name: JOB_GAUGE,
    help: 'Alert thread work items by status (pending includes running; failed were given up after retries)',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      try {
        this.set({ status: 'pending' }, await jobs.pendingCount());
        this.set({ status: 'failed' }, await jobs.failedCount());
      } catch {
        // The store is closing: keep the last values.
      }
    },
  });
}
