import { chartsOff } from '../charts/charts-off';
import { systemClock, type Clock } from '../ops/clock';
import { COMMANDS } from '../../commands';
import { createAlertsFeature, type AlertsFeature } from '../alerts/alerts-feature';
import { createCompactionService } from '../compaction/compaction-service';
import { ChartService } from '../charts/chart-service';
import { createChartRenderer } from '../charts/chart-renderer';
import type { Config } from '../config/schema';
import { EscalationService } from '../escalation/escalation-service';
import { createBotMetrics, type BotMetrics } from '../ops/bot-metrics';
import type { Logger } from '../ops/logger';
import { createConsoleMessenger, type Messenger } from '../slack/messenger';
import { createSlackTransport, type SlackTransport, type SlackTransportOptions } from '../slack/slack-transport';
import { openDatabase } from '../store/database';
import { MIGRATIONS } from './migrations';
import { createSqliteUnitOfWork } from './sqlite-repositories';
import { startRetentionJob } from '../timeline/retention';
import { registerResponseMetrics } from '../timeline/response-metrics';
import { acquireProcessLock, type ProcessLock } from '../store/process-lock';
import { createLeaseOwner } from '../store/lease';
import { createWeeklyReports } from '../reports/weekly-reports';
import { createServices, type SecretSource, type Services } from './services';

/** Everything a running bot (Slack or shell) holds; `close()` releases it in reverse order. */
export interface Runtime {
  services: Services;
  metrics: BotMetrics;
  /** Alert threads: the Alertmanager webhook route and the worker that posts and diagnoses. */
  alerts: AlertsFeature;
  /** Slack's outbound transport when created with `slack` options (the bot); the shell has none. */
  slack?: SlackTransport;
  /** Background work (schedulers, pollers) started by `start()` and stopped by `close()`. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  config: Config;
  log: Logger;
  /** Secrets by environment variable name (admin tokens, PagerDuty keys). */
  secret: SecretSource;
  /** Defaults to printing on stdout (the local shell); with `slack` the messenger is Slack's. */
  messenger?: Messenger;
  /** The Slack bot: its outbound transport is built here, before any feature, so nothing swaps it later. */
  slack?: SlackTransportOptions;
  now?: () => Date;
  /** Timers of the escalation scheduler (tests: a fake clock; `now` then defaults to its time). */
  clock?: Clock;
  /** `PAGERDUTY_EVENTS_URL`; read through `secret` when not given. */
  pagerdutyEventsUrl?: string;
  /**
   * `bot` (default): owns the store (one per SQLite file; a second is refused, naming the holder) and runs the
   * background work on `start()`. `client` (the local shell on a real config): reads and runs commands, and
   * leaves due pages, jobs and compaction locks to the bot; it has no `start()`.
   */
  role?: 'bot' | 'client';
  /** Charts: `dir` is the shell's `--charts DIR`; `enabled: false` turns them off; the demo samples every node. */
  charts?: { enabled?: boolean; dir?: string; sampleAllNodes?: boolean; sampleIntervalMs?: number };
}

/** The Slack transport of a runtime created for the bot (`slack` options): createSlackApp's inbound side reuses it. */
export function slackTransportOf(runtime: Runtime): SlackTransport {
  if (!runtime.slack) throw new Error('this runtime was created without Slack options: pass `slack` to createRuntime');
  return runtime.slack;
}

/** Opens the store and builds the services for a config. */
export async function createRuntime({ config, log, secret, messenger, slack: slackOptions, now: givenNow, clock = systemClock, pagerdutyEventsUrl, role = 'bot', charts }: RuntimeOptions): Promise<Runtime> {
  const now = givenNow ?? (clock === systemClock ? undefined : () => new Date(clock.now()));
  const metrics = createBotMetrics();
  const db = openDatabase(config.store.sqlitePath, MIGRATIONS);
  let lock: ProcessLock | undefined;
  if (role === 'bot' && config.store.sqlitePath !== ':memory:') {
    try {
      lock = acquireProcessLock(db, { path: config.store.sqlitePath, now: now ? () => now().getTime() : undefined });
    } catch (err) {
      db.close();
      throw err;
    }
  }
  const slack = slackOptions ? createSlackTransport(slackOptions, { log, clock, onError: (method, error) => metrics.slackErrors.inc({ method, error }) }) : undefined;
  // Every repository on this one connection; the features take theirs from `services.store`.
  const store = createSqliteUnitOfWork(db);
  const base = createServices({
    config,
    log,
    metrics,
    secret,
    commands: COMMANDS,
    store,
    messenger: slack?.messenger ?? messenger ?? createConsoleMessenger((text) => process.stdout.write(`${text}\n`), { chartsDir: charts?.dir }),
    now,
    pagerdutyEventsUrl: pagerdutyEventsUrl ?? secret('PAGERDUTY_EVENTS_URL'),
  });
  // The composition root completes the services with the features below, in dependency order, and freezes
  // them before returning: features hold this object and read its feature members at call time (never while
  // being built), and nothing replaces a member once the runtime exists.
  const services = base as Services;
  registerResponseMetrics(services);
  const stoppers: (() => Promise<void> | void)[] = [];
  const chartService = charts?.enabled !== false ? new ChartService(services, { renderer: createChartRenderer(), sampleAllNodes: charts?.sampleAllNodes, sampleIntervalMs: charts?.sampleIntervalMs }) : chartsOff();
  services.charts = chartService;
  stoppers.push(() => chartService.stop());
  const compaction = createCompactionService(services, store.compactionLocks);
  services.compaction = compaction;
  stoppers.push(() => compaction.stop());
  // One lease owner per process: the alert jobs and outbox pages it works on carry it (README "Restarts").
  const lease = { owner: createLeaseOwner(), ttlMs: config.store.leaseTtl };
  const alerts = createAlertsFeature(services, { lease });
  stoppers.push(() => alerts.stop());
  const escalations = new EscalationService(services, { pagerdutyUrl: services.pagerdutyEventsUrl, clock, directory: slack?.directory, lease });
  services.escalations = escalations;
  // Every diagnosis is recorded for its incident and escalates on the runbook's criteria.
  services.diagnoses.subscribe((result, origin) => escalations.afterDiagnosis(result, origin));
  stoppers.push(() => escalations.stop());
  const reports = createWeeklyReports(services);
  stoppers.push(() => reports.stop());
  Object.freeze(services);
  return {
    services,
    metrics,
    slack,
    alerts,
    async start() {
      if (role === 'client') throw new Error('a client runtime runs no background work: the bot does');
      // Runs the previous process left in the store: keep watching them, or say what they last showed.
      await compaction.resume();
      services.charts.start();
      await alerts.start();
      // Re-arms escalations from the store and sends at once what fell due while the bot was down.
      await escalations.start();
      stoppers.push(startRetentionJob(services));
      // The runbook's weekly compaction report (reports.weekly), once per period across processes on this store.
      reports.start();
    },
    async close() {
      for (const stop of stoppers.reverse()) await stop();
      lock?.release();
      db.close();
    },
  };
}
