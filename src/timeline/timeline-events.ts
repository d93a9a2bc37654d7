import { z } from 'zod';

const iso = z.string().min(1);
const rate = z.number().nullable();
/** The LSM figures a compaction records before and after (src/compaction). */
const lsm = z.object({ sstFiles: z.number(), pendingBytes: z.number() }).loose();

/**
 * The detail each kind of incident event carries. Objects are loose: a writer may add fields (the
 * compaction's full figures), and a field this module reads must be there with the right type.
 */
export const EVENT_DETAILS = {
  opened: z.object({ source: z.enum(['alert', 'manual']) }).loose(),
  /** Alertmanager's own times: `startsAt` is when the condition began, not when the bot heard of it. */
  alert_fired: z.object({ startsAt: iso, alertname: z.string(), severity: z.string().nullable(), fingerprint: z.string() }).loose(),
  alert_refired: z.object({ startsAt: iso }).loose(),
  alert_resolved: z.object({ endsAt: iso }).loose(),
  thread_posted: z.object({ channel: z.string(), ts: z.string() }).loose(),
  diagnosed: z.object({ startedAt: iso, causes: z.array(z.string()), severity: z.string(), errorRate: rate }).loose(),
  escalated: z
    .object({ escalationId: z.string(), trigger: z.enum(['command', 'button', 'auto', 'alert']), reasons: z.array(z.string()), levelName: z.string() })
    .loose(),
  paged: z
    .object({
      userIds: z.array(z.string()),
      level: z.number().nullable(),
      channel: z.string().default('slack_dm'),
      round: z.number().nullable().optional(),
      escalationId: z.string().optional(),
      levelName: z.string().optional(),
    })
    .loose(),
  page_failed: z
    .object({
      channel: z.string(),
      level: z.number().nullable(),
      target: z.string(),
      error: z.string(),
      escalationId: z.string(),
      levelName: z.string().optional(),
    })
    .loose(),
  acked: z.object({ escalationId: z.string(), level: z.number().nullable(), round: z.number().nullable() }).loose(),
  compacted: z.object({ outcome: z.string(), durationMs: z.number().nullable(), force: z.boolean(), before: lsm.nullish(), after: lsm.nullish() }).loose(),
  compaction_recheck: z.object({ condition: z.enum(['cleared', 'persists', 'worse', 'unknown']), errorRateBefore: rate, errorRateAfter: rate }).loose(),
  silenced: z.object({ silenceId: z.string(), endsAt: iso }).loose(),
  /** A human note; `messageTs` is the Slack message it came from (its time is the note's time). */
  note: z
    .object({ text: z.string().min(1).max(3000), via: z.enum(['shortcut', 'command']), messageTs: z.string().optional(), author: z.string().optional() })
    .loose(),
  resolved: z.object({}).loose(),
} as const;

export type EventKind = keyof typeof EVENT_DETAILS;
export type EventDetail<K extends EventKind> = z.infer<(typeof EVENT_DETAILS)[K]>;

/** One typed event as a writer appends it. */
export type TimelineEvent = { [K in EventKind]: { kind: K; detail: EventDetail<K> } }[EventKind];

/** A stored event; `known: false` for kinds this version does not know (a newer writer, a parallel feature). */
export type TimelineEntry = { id: number; incidentId: string; at: string; actor: string | null } & (
  | ({ known: true } & TimelineEvent)
  | { known: false; kind: string; detail: Record<string, unknown> }
);

export function isEventKind(kind: string): kind is EventKind {
  return Object.hasOwn(EVENT_DETAILS, kind);
}

/**
 * Checks a known kind's detail; other kinds pass through unchanged, so a feature that adds a kind before this
 * module knows it still records. Throws a ZodError naming the field for a known kind with bad detail.
 */
export function validateDetail(kind: string, detail: Record<string, unknown>): Record<string, unknown> {
  if (!isEventKind(kind)) return detail;
  return EVENT_DETAILS[kind].parse(detail) as Record<string, unknown>;
}

/** Reads a stored row back; a row whose detail no longer parses is shown as unknown rather than dropped. */
export function entryOf(row: {
  id: number;
  incidentId: string;
  at: string;
  actor: string | null;
  kind: string;
  detail: Record<string, unknown>;
}): TimelineEntry {
  const base = { id: row.id, incidentId: row.incidentId, at: row.at, actor: row.actor };
  if (isEventKind(row.kind)) {
    const parsed = EVENT_DETAILS[row.kind].safeParse(row.detail);
    if (parsed.success) return { ...base, known: true, kind: row.kind, detail: parsed.data } as TimelineEntry;
  }
  return { ...base, known: false, kind: row.kind, detail: row.detail };
}

/** The entries of one kind, typed. */
export function ofKind<K extends EventKind>(entries: readonly TimelineEntry[], kind: K): (TimelineEntry & { kind: K; detail: EventDetail<K> })[] {
  return entries.filter((e) => e.known && e.kind === kind) as (TimelineEntry & { kind: K; detail: EventDetail<K> })[];
}

/** What the timeline keeps of a diagnosis (the full result stays on the incident as its last diagnosis). */
export function diagnosedDetail(result: {
  startedAt: string;
  errorRate: number | null;
  verdict: { causes: { cause: string }[]; severity: string; summary: string };
}): EventDetail<'diagnosed'> {
  return {
    startedAt: result.startedAt,
    causes: result.verdict.causes.map((c) => c.cause),
    severity: result.verdict.severity,
    errorRate: result.errorRate,
    summary: result.verdict.summary,
  };
}
