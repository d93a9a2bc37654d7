import { z } from 'zod';
import { parseDuration } from './duration';
import { isTimeZone, WEEKDAYS } from '../reports/report-schedule';

/** A duration written as `90s`, `5m`, `1h` or a number of seconds; parsed to milliseconds. */
export const durationSchema = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration (use e.g. 30s, 5m, 1h)` });
    return z.NEVER;
  }
  return ms;
});

const slackIdList = z.array(z.string().regex(/^[A-Z0-9_]+$/, 'a Slack ID such as U012ABC or S012ABC')).default([]);

/** Absolute paths only: they end up (quoted) in remote commands, so no relative surprises. */
const absolutePath = z
  .string()
  .min(1)
  .regex(/^\//, 'an absolute path')
  .refine((p) => !p.includes('\0'), 'no NUL bytes');

export const DEFAULT_SQLITE_PATH = './data/stemedb-chatops.sqlite';

/**
 * `store`: SQLite (`sqlitePath`, one process) or PostgreSQL (`postgres.urlEnv` names the env var holding the
 * URL, so the password stays out of the YAML; several replicas). One or the other, never both.
 */
export const storeObjectSchema = z
  .object({
    sqlitePath: z.string().min(1).optional(),
    postgres: z
      .object({ urlEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name such as DATABASE_URL') })
      .strict()
      .optional(),
    /**
     * Lease on a running alert job or an outbox page, extended every third while it runs; a crash delays the work
     * this long (a page caught mid-send goes out up to this late). Shorter takes over sooner, but a replica
     * starved of CPU for two thirds of it loses its leases and the work is done again (fenced).
     */
    leaseTtl: durationSchema.default(10_000),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.postgres && s.sqlitePath !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['postgres'], message: 'store.postgres and store.sqlitePath exclude each other: keep one' });
    }
  })
  .transform((s) => ({ ...s, sqlitePath: s.sqlitePath ?? DEFAULT_SQLITE_PATH }));

const storeSchema = storeObjectSchema;

/** `reports.weekly`: when and where the runbook's weekly compaction report is posted. */
const weeklyReportSchema = z
  .object({
    channel: z.string().regex(/^[CG][A-Z0-9]+$/, 'a Slack channel ID such as C0ALERTS'),
    day: z.string().transform((d, ctx) => {
      const day = WEEKDAYS.find((w) => w === d.toLowerCase() || w.slice(0, 3) === d.toLowerCase());
      if (!day) ctx.addIssue({ code: 'custom', message: `"${d}" is not a day of the week (monday ... sunday)` });
      return day ?? z.NEVER;
    }),
    time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM, e.g. 09:00'),
    timezone: z.string().refine(isTimeZone, 'an IANA time zone such as Europe/Berlin or UTC').default('UTC'),
  })
  .strict();

export const nodeNameSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes, at most 63');

const sshSchema = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(22),
  username: z.string().min(1),
  privateKeyPath: absolutePath,
  hostKeySha256: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, 'the fingerprint `ssh-keygen -lf <host key>` prints, e.g. SHA256:abc...'),
  readyTimeout: durationSchema.default(5_000),
});

const logsSchema = z.union([
  z.object({ journald: z.string().regex(/^[A-Za-z0-9@._-]+$/, 'a systemd unit name') }).strict(),
  z.object({ file: absolutePath }).strict(),
]);

/** Host tools the checks call; overridable so a host with them elsewhere (or the simulator's stand-ins) works. */
const hostToolsSchema = z
  .object({
    dmesg: z.string().min(1).default('dmesg'),
    df: z.string().min(1).default('df'),
    smartctl: z.string().min(1).default('smartctl'),
    smartDevice: absolutePath.default('/dev/sda'),
    uptimeFile: absolutePath.default('/proc/uptime'),
  })
  .prefault({});

export const nodeSchema = z
  .object({
    name: nodeNameSchema,
    apiUrl: z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, '')),
    adminTokenEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name')
      .optional(),
    dataDir: absolutePath.default('/var/lib/stemedb'),
    unit: z
      .string()
      .regex(/^[A-Za-z0-9@._-]+$/)
      .default('stemedb-api'),
    logs: logsSchema.default({ journald: 'stemedb-api' }),
    ssh: sshSchema.optional(),
    /** Run host checks on this machine instead of over SSH (the bot runs on the StemeDB host, or the local demo). */
    local: z.boolean().default(false),
    hostTools: hostToolsSchema,
    /** Where KV store snapshots are kept: the compaction confirmation shows the newest one's age (runbook: back up first). */
    backupDir: absolutePath.optional(),
  })
  .strict()
  .refine((n) => !(n.ssh && n.local), { message: 'set either ssh or local: true, not both', path: ['local'] });

const levelSchema = z
  .object({
    name: z.string().min(1),
    ackTimeout: durationSchema.default(300_000),
    slack: z.object({ users: slackIdList, userGroups: slackIdList }).strict().prefault({}),
    pagerduty: z
      .object({ routingKeyEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/) })
      .strict()
      .optional(),
    webhook: z
      .object({ url: z.url({ protocol: /^https?$/ }), tokenEnv: z.string().optional() })
      .strict()
      .optional(),
  })
  .strict();

export const DEFAULT_LEVELS = [
  { name: 'Primary on-call: Storage SRE', ackTimeout: '5m' },
  { name: 'Secondary: Database engineer', ackTimeout: '10m' },
  { name: 'Final: Principal engineer + on-call manager', ackTimeout: '15m' },
];

export const configSchema = z
  .object({
    slack: z
      .object({
        alertChannel: z
          .string()
          .regex(/^[CG][A-Z0-9]+$/, 'a Slack channel ID such as C0ALERTS')
          .optional(),
      })
      .strict()
      .prefault({}),
    stemedb: z
      .object({
        alertNodeLabel: z.string().min(1).default('instance'),
        nodes: z.array(nodeSchema).min(1, 'configure at least one node'),
        /** Override the metric names of SPEC section 3 if a build of StemeDB exports them under other names. */
        metricNames: z.record(z.string(), z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/)).default({}),
        requestTimeout: durationSchema.default(5_000),
        runbookUrl: z.url().default('https://github.com/stemedb/stemedb/blob/main/docs/operations/runbooks/storage-errors.md'),
      })
      .strict()
      .superRefine((s, ctx) => {
        const seen = new Set<string>();
        s.nodes.forEach((n, i) => {
          if (seen.has(n.name)) ctx.addIssue({ code: 'custom', message: `duplicate node name "${n.name}"`, path: ['nodes', i, 'name'] });
          seen.add(n.name);
        });
      }),
    prometheus: z
      .object({ url: z.url({ protocol: /^https?$/ }) })
      .strict()
      .optional(),
    alertmanager: z
      .object({ url: z.url({ protocol: /^https?$/ }) })
      .strict()
      .optional(),
    /** Alert threads (SPEC 4.2): storm mode, incident memory, the Silence button, diagnoses at once. */
    alerts: z
      .object({
        /** Past this many new alerts within `stormWindow`, alerts go into one summary per alert name. */
        stormThreshold: z.number().int().min(1).default(20),
        stormWindow: durationSchema.default(60_000),
        /** How far back the thread's incident memory looks. */
        memoryDays: z.number().int().min(1).max(365).default(30),
        /** Length of the header's Silence button (needs `alertmanager.url`). */
        silenceDuration: durationSchema.default(3_600_000),
        /** Nodes diagnosed at once for alerts (one diagnosis per node at a time in any case). */
        diagnoseConcurrency: z.number().int().min(1).max(32).default(4),
      })
      .strict()
      .prefault({}),
    diagnosis: z
      .object({
        sampleSeconds: z.number().min(0.1).max(60).default(5),
        deadlineSeconds: z.number().min(1).max(300).default(20),
        checkTimeoutSeconds: z.number().min(0.5).max(120).default(10),
        logWindowMinutes: z.number().int().min(1).max(1440).default(15),
        recentRebootMinutes: z.number().int().min(1).default(60),
      })
      .strict()
      .prefault({}),
    access: z
      .object({
        operators: z.object({ users: slackIdList, userGroups: slackIdList }).strict().prefault({}),
        channels: z.array(z.string().regex(/^[CGD][A-Z0-9]+$/)).default([]),
      })
      .strict()
      .prefault({}),
    escalation: z
      .object({
        levels: z.array(levelSchema).min(1).prefault(DEFAULT_LEVELS),
        repeat: z
          .object({ every: durationSchema.default(900_000), times: z.number().int().min(0).default(3) })
          .strict()
          .prefault({}),
        /** A page that failed to send (429, 5xx, network) is retried from the outbox with backoff and jitter. */
        retry: z
          .object({
            attempts: z.number().int().min(1).max(20).default(5),
            initialDelay: durationSchema.default(2_000),
            maxDelay: durationSchema.default(60_000),
          })
          .strict()
          .prefault({}),
        /** How often the auditor looks for due steps and pages whose timer was lost. */
        auditInterval: durationSchema.default(10_000),
        /** The chain check runs at start-up and this often (posting only when a level has nobody reachable); 0 = start-up only. */
        chainCheckInterval: durationSchema.default(86_400_000),
        /** Timeout of one PagerDuty or webhook request. */
        requestTimeout: durationSchema.default(10_000),
        /** A page carries a diagnosis at most this old: an older one goes out marked "refreshing" and is replaced. */
        packetMaxAge: durationSchema.default(120_000),
      })
      .strict()
      .prefault({}),
    compaction: z
      .object({
        maxPerNodePerHour: z.number().int().min(1).default(2),
        progressTimeout: durationSchema.default(1_800_000),
        progressInterval: durationSchema.default(3_000),
        lockTtl: durationSchema.default(3_600_000),
        /** A newest snapshot in `backupDir` older than this is warned about before a compaction. */
        snapshotMaxAge: durationSchema.default(86_400_000),
      })
      .strict()
      .prefault({}),
    reports: z.object({ weekly: weeklyReportSchema.optional() }).strict().prefault({}),
    store: storeSchema.prefault({}),
    /** Incidents, their timelines and audit entries older than `days` are removed by a periodic job. */
    retention: z
      .object({ days: z.number().int().min(1).max(36_500).default(400), interval: durationSchema.default(3_600_000) })
      .strict()
      .prefault({}),
    /**
     * The bot's own operations. `heartbeatUrl`: a dead-man switch (Grafana OnCall heartbeat, healthchecks.io)
     * pinged with GET about every `heartbeatEvery` while every active escalation is on schedule, so a team
     * learns from outside when the whole bot is down. Not pinged when unset.
     */
    ops: z
      .object({ heartbeatUrl: z.url({ protocol: /^https?$/ }).optional(), heartbeatEvery: durationSchema.default(60_000) })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    // A StemeDB call that may outlive its check makes the whole check unknown and loses what the host showed.
    if (c.stemedb.requestTimeout >= c.diagnosis.checkTimeoutSeconds * 1000) {
      ctx.addIssue({
        code: 'custom',
        path: ['stemedb', 'requestTimeout'],
        message: `must be shorter than diagnosis.checkTimeoutSeconds (${c.diagnosis.checkTimeoutSeconds}s)`,
      });
    }
  });

export type Config = z.output<typeof configSchema>;
export type NodeConfig = z.output<typeof nodeSchema>;
export type EscalationLevelConfig = z.output<typeof levelSchema>;
