import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The bot's own metrics (SPEC 7), on one registry per process so tests can create several apps. */
export function createBotMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'stemedb_chatops_' });
  const commands = new Counter({
    name: 'stemedb_chatops_commands_total',
    help: 'Slash commands by subcommand and outcome',
    labelNames: ['command', 'outcome'] as const,
    registers: [registry],
  });
  const diagnosisDuration = new Histogram({
    name: 'stemedb_chatops_diagnosis_duration_seconds',
    help: 'Wall time of a full diagnosis',
    buckets: [0.5, 1, 2, 5, 8, 12, 20, 30, 60],
    registers: [registry],
  });
  const checks = new Counter({
    name: 'stemedb_chatops_checks_total',
    help: 'Diagnosis checks by check id and status',
    labelNames: ['check', 'status'] as const,
    registers: [registry],
  });
  const pages = new Counter({
    name: 'stemedb_chatops_pages_total',
    help: 'Pages sent by escalation level, channel and outcome',
    labelNames: ['level', 'channel', 'outcome'] as const,
    registers: [registry],
  });
  const openEscalations = new Gauge({
    name: 'stemedb_chatops_open_escalations',
    help: 'Escalations not yet acknowledged or resolved',
    registers: [registry],
  });
  const slackErrors = new Counter({
    name: 'stemedb_chatops_slack_api_errors_total',
    help: 'Slack Web API calls that failed, by method and error',
    labelNames: ['method', 'error'] as const,
    registers: [registry],
  });
  const alertsReceived = new Counter({
    name: 'stemedb_chatops_alerts_received_total',
    help: 'Alerts received from Alertmanager by status',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const duplicateDeliveries = new Counter({
    name: 'stemedb_chatops_duplicate_deliveries_total',
    help: 'Deliveries dropped as repeats of one already taken (by this or another replica), by source',
    labelNames: ['source'] as const,
    registers: [registry],
  });
  const lateEscalations = new Counter({
    name: 'stemedb_chatops_auditor_late_escalations_total',
    help: 'Active escalations the auditor found behind schedule (counted per auditor pass of this replica)',
    registers: [registry],
  });
  const auditorLastSuccess = new Gauge({
    name: 'stemedb_chatops_auditor_last_success_timestamp_seconds',
    help: 'When an auditor pass on this replica last found every active escalation on schedule',
    registers: [registry],
  });
  const replicaInfo = new Gauge({
    name: 'stemedb_chatops_replica_info',
    help: 'This replica (value 1): its name (lease owner) and store',
    labelNames: ['replica', 'store'] as const,
    registers: [registry],
  });
  // Leases on engine work, by kind (`alert_job`, `outbox`): a takeover means another process died or stalled.
  const leasesHeld = new Gauge({
    name: 'stemedb_chatops_leases_held',
    help: 'Rows of engine work this process holds a lease on, by kind',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const jobsClaimed = new Counter({
    name: 'stemedb_chatops_jobs_claimed_total',
    help: 'Rows of engine work claimed by this process, by kind',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const leaseTakeovers = new Counter({
    name: 'stemedb_chatops_lease_takeovers_total',
    help: 'Rows taken over from a holder whose lease ran out, by kind',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  return {
    registry,
    commands,
    diagnosisDuration,
    checks,
    pages,
    openEscalations,
    slackErrors,
    alertsReceived,
    duplicateDeliveries,
    lateEscalations,
    auditorLastSuccess,
    replicaInfo,
    leasesHeld,
    jobsClaimed,
    leaseTakeovers,
  };
}

export type BotMetrics = ReturnType<typeof createBotMetrics>;
