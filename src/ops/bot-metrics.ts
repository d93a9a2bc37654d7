import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The bot's own metrics (SPEC 7), on one registry per process so tests can create several apps. */
export function createBotMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'stemedb_chatops_' });
  // Every metric lives on this process's registry; the label names' literal types keep `.inc({ ... })` checked.
  const counter = <L extends string = string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Counter<L>({ name, help, labelNames, registers: [registry] });
  const gauge = <L extends string = string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Gauge<L>({ name, help, labelNames, registers: [registry] });
  return {
    registry,
    commands: counter('stemedb_chatops_commands_total', 'Slash commands by subcommand and outcome', ['command', 'outcome']),
    diagnosisDuration: new Histogram({
      name: 'stemedb_chatops_diagnosis_duration_seconds',
      help: 'Wall time of a full diagnosis',
      buckets: [0.5, 1, 2, 5, 8, 12, 20, 30, 60],
      registers: [registry],
    }),
    checks: counter('stemedb_chatops_checks_total', 'Diagnosis checks by check id and status', ['check', 'status']),
    pages: counter('stemedb_chatops_pages_total', 'Pages sent by escalation level, channel and outcome', ['level', 'channel', 'outcome']),
    openEscalations: gauge('stemedb_chatops_open_escalations', 'Escalations not yet acknowledged or resolved'),
    slackErrors: counter('stemedb_chatops_slack_api_errors_total', 'Slack Web API calls that failed, by method and error', ['method', 'error']),
    alertsReceived: counter('stemedb_chatops_alerts_received_total', 'Alerts received from Alertmanager by status', ['status']),
    duplicateDeliveries: counter(
      'stemedb_chatops_duplicate_deliveries_total',
      'Deliveries dropped as repeats of one already taken (by this or another replica), by source',
      ['source'],
    ),
    lateEscalations: counter(
      'stemedb_chatops_auditor_late_escalations_total',
      'Active escalations the auditor found behind schedule (counted per auditor pass of this replica)',
    ),
    auditorLastSuccess: gauge(
      'stemedb_chatops_auditor_last_success_timestamp_seconds',
      'When an auditor pass on this replica last found every active escalation on schedule',
    ),
    replicaInfo: gauge('stemedb_chatops_replica_info', 'This replica (value 1): its name (lease owner) and store', ['replica', 'store']),
    // Leases on engine work, by kind (`alert_job`, `outbox`): a takeover means another process died or stalled.
    leasesHeld: gauge('stemedb_chatops_leases_held', 'Rows of engine work this process holds a lease on, by kind', ['kind']),
    jobsClaimed: counter('stemedb_chatops_jobs_claimed_total', 'Rows of engine work claimed by this process, by kind', ['kind']),
    leaseTakeovers: counter('stemedb_chatops_lease_takeovers_total', 'Rows taken over from a holder whose lease ran out, by kind', ['kind']),
  };
}

export type BotMetrics = ReturnType<typeof createBotMetrics>;
