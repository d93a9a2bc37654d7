import { COMMANDS } from '../../commands';
import { createAlertsFeature, type AlertsFeature } from '../alerts/alerts-feature';
import { createSqliteCompactionLockStore } from '../compaction/compaction-lock-store';
import { createCompactionService } from '../compaction/compaction-service';
import type { Config } from '../config/schema';
import { EscalationService } from '../escalation/escalation-service';
import { createSqliteIncidentStore } from '../incidents/incident-store';
import { createBotMetrics, type BotMetrics } from '../ops/bot-metrics';
import type { Logger } from '../ops/logger';
import { createConsoleMessenger, type Messenger } from '../slack/messenger';
import { createSqliteAuditLog } from '../store/audit-log';
import { openDatabase } from '../store/database';
import { MIGRATIONS } from '../store/migrations';
import { createWeeklyReports } from '../reports/weekly-reports';
import { createServices, type SecretSource, type Services } from './services';

/** Everything a running bot (Slack or shell) holds; `close()` releases it in reverse order. */
export interface Runtime {
  services: Services;
  metrics: BotMetrics;
  /** Alert threads: the Alertmanager webhook route and the worker that posts and diagnoses. */
  alerts: AlertsFeature;
  /** Background work (schedulers, pollers) started by `start()` and stopped by `close()`. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  config: Config;
  log: Logger;
  /** Secrets by environment variable name (admin tokens, PagerDuty keys). */
  secret: SecretSource;
  /** Defaults to printing on stdout (the local shell); the Slack bot passes Slack's. */
  messenger?: Messenger;
  now?: () => Date;
  /** `PAGERDUTY_EVENTS_URL`; read through `secret` when not given. */
  pagerdutyEventsUrl?: string;
}

/** Opens the store and builds the services for a config. */
export async function createRuntime({ config, log, secret, messenger, now, pagerdutyEventsUrl }: RuntimeOptions): Promise<Runtime> {
  const metrics = createBotMetrics();
  const db = openDatabase(config.store.sqlitePath, MIGRATIONS);
  const store = { db, incidents: createSqliteIncidentStore(db), audit: createSqliteAuditLog(db) };
  const services = createServices({
    config,
    log,
    metrics,
    secret,
    commands: COMMANDS,
    store,
    messenger: messenger ?? createConsoleMessenger((text) => process.stdout.write(`${text}\n`)),
    now,
    pagerdutyEventsUrl: pagerdutyEventsUrl ?? secret('PAGERDUTY_EVENTS_URL'),
  });
  services.incidentNodeForChannel = async (channel) => (channel ? (store.incidents.openForChannel(channel)?.node ?? undefined) : undefined);
  const stoppers: (() => Promise<void> | void)[] = [];
  const compaction = createCompactionService(services, createSqliteCompactionLockStore(db));
  services.compaction = compaction;
  stoppers.push(() => compaction.stop());
  const alerts = createAlertsFeature(services);
  stoppers.push(() => alerts.stop());
  const escalations = new EscalationService(services, { pagerdutyUrl: services.pagerdutyEventsUrl });
  services.escalations = escalations;
  // Every diagnosis is recorded for its incident and escalates on the runbook's criteria.
  services.afterDiagnosis = async (result, origin) => void (await escalations.afterDiagnosis(result, origin));
  stoppers.push(() => escalations.stop());
  const reports = createWeeklyReports(services);
  stoppers.push(() => reports.stop());
  return {
    services,
    metrics,
    alerts,
    async start() {
      // Runs the previous process left in the store: keep watching them, or say what they last showed.
      compaction.resume();
      alerts.start();
      // Re-arms escalations from the store and sends at once what fell due while the bot was down.
      escalations.start();
      // The runbook's weekly compaction report (reports.weekly), once per period across processes on this store.
      reports.start();
    },
    async close() {
      for (const stop of stoppers.reverse()) await stop();
      db.close();
    },
  };
}
