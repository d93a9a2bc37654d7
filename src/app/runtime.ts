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
import { createConsoleChat } from '../shell/console-chat';
import type { ChatPort } from '../surfaces/chat-port';
import { paceOnClock } from '../slack/slack-pace';
import { createSlackTransport, type SlackTransport, type SlackTransportOptions } from '../slack/slack-transport';
import { hostname } from 'node:os';
import { Gauge } from 'prom-client';
import { runRetention } from '../timeline/retention';
import { registerResponseMetrics } from '../timeline/response-metrics';
import { auditEscalations } from '../escalation/escalation-auditor';
import { createHeartbeat } from '../ops/heartbeat';
import { startPeriodicDuty } from '../ops/periodic-duty';
import { openStore, type OpenedStore } from './open-store';
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
  /** This replica's name (lease owner of its periodic duties; `STEMEDB_CHATOPS_REPLICA`, else host-pid). */
  replica: string;
  /**
   * For /readyz: resolves when the store answers (a trivial query, `timeoutMs`) and this replica may work on
   * it (PostgreSQL: its code knows the database's schema); rejects with the reason otherwise.
   */
  storeReady(timeoutMs?: number): Promise<void>;
  /** Background work (schedulers, pollers) started by `start()` and stopped by `close()`. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  config: Config;
  log: Logger;
  /** Secrets by environment variable name (admin tokens, PagerDuty keys). */
  secret: SecretSource;
  /** The chat port: defaults to printing on stdout (the console); with `slack` it is Slack's. */
  messenger?: ChatPort;
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
  /** This replica's name; `STEMEDB_CHATOPS_REPLICA` (the systemd template sets it), else `<host>-<pid>`. */
  replica?: string;
}

/** The Slack transport of a runtime created for the bot (`slack` options): createSlackApp's inbound side reuses it. */
export function slackTransportOf(runtime: Runtime): SlackTransport {
  if (!runtime.slack) throw new Error('this runtime was created without Slack options: pass `slack` to createRuntime');
  return runtime.slack;
}

/** Opens the store and builds the services for a config. */
export async function createRuntime({
  config,
  log,
  secret,
  messenger,
  slack: slackOptions,
  now: givenNow,
  clock: localClock = systemClock,
  pagerdutyEventsUrl,
  role = 'bot',
  charts,
  replica = defaultReplica(),
}: RuntimeOptions): Promise<Runtime> {
  const metrics = createBotMetrics();
  const opened = await openStore({
    config,
    log,
    secret,
    clock: localClock,
    now: givenNow ? () => givenNow().getTime() : localClock === systemClock ? undefined : () => localClock.now(),
    role,
    replica,
  });
  // The engine's time: the database's on PostgreSQL (replicas compare deadlines across hosts), else local.
  const clock = opened.clock;
  const now = givenNow ?? (clock === systemClock ? undefined : () => new Date(clock.now()));
  const { store } = opened;
  metrics.replicaInfo.set({ replica, store: opened.kind }, 1);
  registerOutboxAge(metrics, store, () => clock.now());
  new Gauge({
    name: 'stemedb_chatops_schema_compatible',
    help: '1 while this replica knows every migration applied to the database (always on SQLite); 0: it stands down',
    registers: [metrics.registry],
    collect() {
      this.set(opened.mayWork() ? 1 : 0);
    },
  });
  const slack = slackOptions
    ? createSlackTransport(slackOptions, {
        log,
        clock: localClock,
        onError: (method, error) => metrics.slackErrors.inc({ method, error }),
        // Replicas share one pace per channel through the database (its clock); one SQLite process keeps its
        // pace in the file on its own clock, so a restart does not start the channels' pace over.
        pace: opened.kind === 'postgres' ? store.slackPace : paceOnClock(store.slackPace, () => localClock.now()),
      })
    : undefined;
  const base = createServices({
    config,
    log,
    metrics,
    secret,
    commands: COMMANDS,
    store,
    messenger: slack?.messenger ?? messenger ?? createConsoleChat((text) => process.stdout.write(`${text}\n`), { chartsDir: charts?.dir }),
    now,
    pagerdutyEventsUrl: pagerdutyEventsUrl ?? secret('PAGERDUTY_EVENTS_URL'),
  });
  // The composition root completes the services with the features below, in dependency order, and freezes
  // them before returning: features hold this object and read its feature members at call time (never while
  // being built), and nothing replaces a member once the runtime exists.
  const services = base as Services;
  registerResponseMetrics(services);
  const stoppers: (() => Promise<void> | void)[] = [];
  const chartService =
    charts?.enabled !== false
      ? new ChartService(services, { renderer: createChartRenderer(), sampleAllNodes: charts?.sampleAllNodes, sampleIntervalMs: charts?.sampleIntervalMs })
      : chartsOff();
  services.charts = chartService;
  stoppers.push(() => chartService.stop());
  // One lease owner per process: the alert jobs, outbox pages and compaction watches it works on carry it (README "Restarts").
  const lease = { owner: createLeaseOwner(), ttlMs: config.store.leaseTtl };
  const compaction = createCompactionService(services, store.compactionLocks, { lease, mayWork: opened.mayWork });
  services.compaction = compaction;
  stoppers.push(() => compaction.stop());
  const alerts = createAlertsFeature(services, { mayWork: opened.mayWork, lease, directory: slack?.directory });
  stoppers.push(() => alerts.stop());
  const escalations = new EscalationService(services, {
    pagerdutyUrl: services.pagerdutyEventsUrl,
    clock,
    directory: slack?.directory,
    pollIntervalMs: opened.pollIntervalMs,
    mayWork: opened.mayWork,
    lease,
  });
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
    replica,
    async storeReady(timeoutMs = 2_000) {
      await store.ping(timeoutMs);
      const reason = await opened.notReadyReason();
      if (reason) throw new Error(reason);
    },
    async start() {
      if (role === 'client') throw new Error('a client runtime runs no background work: the bot does');
      opened.startChecks();
      // Runs the previous process left in the store: keep watching them, or say what they last showed.
      await compaction.resume();
      services.charts.start();
      await alerts.start();
      // Re-arms escalations from the store and sends at once what fell due while the bot was down.
      await escalations.start();
      if (opened.pollIntervalMs !== undefined) {
        // Jobs another replica queued (or left when it died) are found within a poll, not at the next local kick.
        const poll = clock.setInterval(() => alerts.worker.kick(), opened.pollIntervalMs);
        stoppers.push(() => clock.clear(poll));
      }
      // Compaction watches whose replica died or stalled past its lease (SQLite: a crashed predecessor's) are
      // taken over by this pass; a watch handed back by a stopping process is taken at once.
      const watches = clock.setInterval(() => void compaction.takeOver(), opened.pollIntervalMs ?? Math.max(1_000, Math.floor(config.store.leaseTtl / 3)));
      stoppers.push(() => clock.clear(watches));
      stoppers.push(...startDuties(services, opened, escalations, metrics));
      // The runbook's weekly compaction report (reports.weekly), once per period across processes on this store.
      reports.start();
    },
    async close() {
      for (const stop of stoppers.reverse()) await stop();
      await opened.close();
    },
  };
}

function defaultReplica(): string {
  return process.env.STEMEDB_CHATOPS_REPLICA || `${hostname()}-${process.pid}`;
}

/**
 * The duties that run once per period across all replicas (one process on SQLite): retention, the escalation
 * chain check and the auditor with its dead-man heartbeat. Returns their stoppers.
 */
function startDuties(services: Services, opened: OpenedStore, escalations: EscalationService, metrics: BotMetrics): (() => Promise<void>)[] {
  const { config } = services;
  const log = services.log.child({ component: 'duties' });
  const common = { claims: opened.duties, clock: opened.clock, log };
  const guarded = (run: () => Promise<void>) => async () => {
    if (opened.mayWork()) await run();
  };
  const stoppers = [
    startPeriodicDuty({
      ...common,
      duty: 'retention',
      periodMs: config.retention.interval,
      leaseMs: 10 * 60_000,
      checkEveryMs: Math.min(config.retention.interval, 30_000),
      run: guarded(() => runRetention(services)),
    }),
  ];
  const chainEvery = config.escalation.chainCheckInterval;
  if (chainEvery > 0) {
    stoppers.push(
      startPeriodicDuty({
        ...common,
        duty: 'chain_check',
        periodMs: chainEvery,
        leaseMs: 5 * 60_000,
        checkEveryMs: Math.min(chainEvery, 30_000),
        run: guarded(() => escalations.postChainWarnings()),
      }),
    );
  } else {
    void escalations.postChainWarnings();
  }
  const every = config.ops.heartbeatEvery;
  const heartbeat = config.ops.heartbeatUrl ? createHeartbeat({ url: config.ops.heartbeatUrl, log, timeoutMs: Math.min(10_000, every) }) : undefined;
  // A healthy engine runs a due step within its poll (PostgreSQL) or audit interval (SQLite): past a few of
  // those, nobody is running it.
  const graceMs = Math.max(30_000, 3 * Math.min(config.escalation.auditInterval, opened.pollIntervalMs ?? Infinity));
  stoppers.push(
    startPeriodicDuty({
      ...common,
      duty: 'auditor',
      periodMs: every,
      leaseMs: every,
      checkEveryMs: Math.min(every, 5_000),
      run: guarded(async () => {
        await auditEscalations({
          escalations: services.store.escalations,
          now: () => opened.clock.now(),
          graceMs,
          heartbeat,
          log,
          onResult(check) {
            metrics.lateEscalations.inc(check.late.length);
            if (check.onSchedule) metrics.auditorLastSuccess.set(opened.clock.now() / 1000);
          },
        });
      }),
    }),
  );
  return stoppers;
}

const OUTBOX_AGE = 'stemedb_chatops_outbox_oldest_pending_seconds';

/** How long the oldest page due has waited (0 when none is due): pages piling up means no engine is sending. */
function registerOutboxAge(metrics: BotMetrics, store: OpenedStore['store'], nowMs: () => number): void {
  new Gauge({
    name: OUTBOX_AGE,
    help: 'Seconds the oldest pending outbox page (page, note, update) has been due; 0 when none is due',
    registers: [metrics.registry],
    async collect() {
      try {
        const next = await store.outbox.nextAttemptAt();
        this.set(next === null ? 0 : Math.max(0, nowMs() - next) / 1000);
      } catch {
        // The store is closing or unreachable: keep the last value (/readyz says why).
      }
    },
  });
}
