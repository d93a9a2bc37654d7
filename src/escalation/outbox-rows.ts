import { z } from 'zod';
import type { EscalationPacket } from './escalation-packet';

/** What a page carries besides the packet: where in the chain it is, for the "acknowledge within" line. */
export interface PageContext {
  packet: EscalationPacket;
  level: number;
  round: number;
  levelName: string;
  levelCount: number;
  ackTimeoutMs: number;
  /** Who is paged next if nobody acknowledges (the first level again in a repeat), or null when paging stops. */
  nextLevelName: string | null;
}

const pageContextSchema: z.ZodType<PageContext> = z.object({
  packet: z.custom<EscalationPacket>((v) => typeof v === 'object' && v !== null && 'incidentId' in v),
  level: z.number().int(),
  round: z.number().int(),
  levelName: z.string(),
  levelCount: z.number().int(),
  ackTimeoutMs: z.number(),
  nextLevelName: z.string().nullable(),
});

/** One outbox row's payload per kind; read back from SQLite through this schema. */
export const outboxPayloadSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('slack_dm'), page: pageContextSchema, viaGroup: z.string().optional() }),
  z.object({ kind: z.literal('slack_group'), page: pageContextSchema }),
  z.object({
    kind: z.literal('slack_thread'),
    page: pageContextSchema,
    groups: z.array(z.string()),
    users: z.array(z.string()),
    pagerduty: z.boolean(),
    webhook: z.boolean(),
  }),
  z.object({ kind: z.literal('slack_note'), text: z.string(), ackButton: z.boolean().default(false) }),
  z.object({ kind: z.literal('slack_update'), channel: z.string(), ts: z.string(), text: z.string() }),
  z.object({
    kind: z.literal('pagerduty'),
    action: z.enum(['trigger', 'acknowledge', 'resolve']),
    routingKeyEnv: z.string(),
    page: pageContextSchema.optional(),
  }),
  z.object({
    kind: z.literal('webhook'),
    action: z.enum(['page', 'acknowledge', 'resolve']),
    url: z.string(),
    tokenEnv: z.string().optional(),
    page: pageContextSchema.optional(),
    by: z.string().optional(),
  }),
]);

export type OutboxPayload = z.infer<typeof outboxPayloadSchema>;
export type OutboxKind = OutboxPayload['kind'];
export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'cancelled';

/** Kinds whose accepted delivery means a person (or their pager) was reached. */
export const REACHES_HUMAN: ReadonlySet<OutboxKind> = new Set(['slack_dm', 'pagerduty', 'webhook']);

export interface NewOutboxRow {
  key: string;
  escalationId: string;
  incidentId: string;
  level: number | null;
  round: number | null;
  target: string;
  payload: OutboxPayload;
  dueAt: number;
}

export interface OutboxRow extends NewOutboxRow {
  id: number;
  kind: OutboxKind;
  reachesHuman: boolean;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: number;
  createdAt: number;
  sendingSince: number | null;
  sentAt: number | null;
  lastError: string | null;
  result: Record<string, unknown> | null;
}

/**
 * The idempotency key of a page: the same (escalation of the incident, level, round, channel, target) is
 * written once and sent once, whatever restarts, retries or double clicks happen.
 * @example pageKey('inc-1a2b3c.e1', 1, 1, 'slack_dm', 'U02DBE') // 'inc-1a2b3c.e1:L2:R1:slack_dm:U02DBE'
 */
export function pageKey(escalationId: string, level: number, round: number, kind: OutboxKind, target: string): string {
  return `${escalationId}:L${level + 1}:R${round}:${kind}:${target}`;
}

/** The block id that marks a Slack message as this outbox row's, so a restart can find what it already posted. */
export function markerOf(key: string): string {
  return `page:${key}`.slice(0, 255);
}

/** An outbox row as either store hands it over: JSON parsed, times in epoch ms, 0/1 as a boolean. */
export interface OutboxRowValues {
  id: number;
  idempotency_key: string;
  escalation_id: string;
  incident_id: string;
  level: number | null;
  round: number | null;
  kind: OutboxKind;
  target: string;
  reaches_human: boolean;
  payload: unknown;
  status: OutboxStatus;
  attempts: number;
  due_at: number;
  next_attempt_at: number;
  created_at: number;
  sending_since: number | null;
  sent_at: number | null;
  last_error: string | null;
  result: unknown;
}

const resultSchema = z.record(z.string(), z.unknown()).nullable();

/** The one row -> record mapping of both stores; payload and result are checked, never cast. */
export function outboxRowFrom(r: OutboxRowValues): OutboxRow {
  return {
    id: r.id,
    key: r.idempotency_key,
    escalationId: r.escalation_id,
    incidentId: r.incident_id,
    level: r.level,
    round: r.round,
    kind: r.kind,
    target: r.target,
    reachesHuman: r.reaches_human,
    payload: outboxPayloadSchema.parse(r.payload),
    status: r.status,
    attempts: r.attempts,
    dueAt: r.due_at,
    nextAttemptAt: r.next_attempt_at,
    createdAt: r.created_at,
    sendingSince: r.sending_since,
    sentAt: r.sent_at,
    lastError: r.last_error,
    result: resultSchema.parse(r.result ?? null),
  };
}

/** Both stores: pending rows by their next attempt, sending rows by the end of their lease. */
export const NEXT_ATTEMPT_SQL = `SELECT MIN(CASE WHEN status = 'pending' THEN next_attempt_at ELSE lease_until END) AS at FROM page_outbox
  WHERE status = 'pending' OR (status = 'sending' AND lease_until IS NOT NULL)`;
