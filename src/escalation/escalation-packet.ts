import { z } from 'zod';

/** The parts of a stored DiagnosisResult the packet uses; lenient, since it is JSON read back from SQLite. */
const storedDiagnosisSchema = z.object({
  node: z.string(),
  startedAt: z.string(),
  errorRate: z.number().nullable().optional(),
  verdict: z.object({
    summary: z.string(),
    severity: z.string(),
    causes: z.array(z.object({ cause: z.string(), evidence: z.array(z.string()) })).default([]),
    escalateReasons: z.array(z.string()).default([]),
  }),
  checks: z.array(z.object({ id: z.string(), status: z.string(), summary: z.string(), data: z.record(z.string(), z.unknown()).default({}) })).default([]),
});

const errorMetricsDataSchema = z.object({
  source: z.string().optional(),
  windowSeconds: z.number().nullable().optional(),
  errorRate: z.number().nullable().optional(),
  byOperation: z.record(z.string(), z.object({ errors: z.number(), operations: z.number(), errorRate: z.number().nullable() })).default({}),
});

const logSamplesSchema = z.object({ samples: z.record(z.string(), z.array(z.string())).default({}) });

export interface OperationErrors {
  operation: string;
  errors: number;
  operations: number;
  errorRate: number | null;
}

/** The runbook's "Escalate with logs", as data: every page (Slack, PagerDuty, webhook) renders this. */
export interface EscalationPacket {
  incidentId: string;
  node: string | null;
  title: string;
  reasons: string[];
  /** `stale`: older than `escalation.packetMaxAge` when the page went out; a fresh one is on its way. */
  diagnosis: { at: string; summary: string; severity: string; causes: { cause: string; evidence: string[] }[]; stale?: boolean } | null;
  errorMetrics: { errorRate: number | null; source: string | null; windowSeconds: number | null; byOperation: OperationErrors[] } | null;
  logExcerpts: string[];
  runbookUrl: string;
  /** What was already done on the incident (escalations, acks, compactions, silences), oldest first. */
  done?: string[];
}

const MAX_EXCERPTS = 8;
const MAX_LINE = 300;

/**
 * Builds the packet from the incident, the latest diagnosis (any JSON: unreadable parts are left out) and
 * the reasons for escalating; the diagnosis's own "escalate immediately" reasons are added.
 */
export function buildPacket(input: {
  incidentId: string;
  node: string | null;
  title: string;
  reasons: readonly string[];
  diagnosis: unknown;
  runbookUrl: string;
  now?: number;
  maxAgeMs?: number;
  done?: string[];
}): EscalationPacket {
  const parsed = storedDiagnosisSchema.safeParse(input.diagnosis);
  const diagnosis = parsed.success ? parsed.data : undefined;
  const reasons = [...new Set([...input.reasons, ...(diagnosis?.verdict.escalateReasons ?? [])])];
  return {
    incidentId: input.incidentId,
    node: input.node,
    title: input.title,
    reasons,
    diagnosis: diagnosis
      ? {
          at: diagnosis.startedAt,
          summary: diagnosis.verdict.summary,
          severity: diagnosis.verdict.severity,
          causes: diagnosis.verdict.causes.slice(0, 3).map((c) => ({ cause: c.cause, evidence: c.evidence.slice(0, 4) })),
          ...(input.now !== undefined && input.maxAgeMs !== undefined && input.now - Date.parse(diagnosis.startedAt) > input.maxAgeMs ? { stale: true } : {}),
        }
      : null,
    errorMetrics: diagnosis ? errorMetricsOf(diagnosis) : null,
    logExcerpts: diagnosis ? logExcerptsOf(diagnosis) : [],
    runbookUrl: input.runbookUrl,
    ...(input.done && input.done.length > 0 ? { done: input.done } : {}),
  };
}

type StoredDiagnosis = z.infer<typeof storedDiagnosisSchema>;

function errorMetricsOf(diagnosis: StoredDiagnosis): EscalationPacket['errorMetrics'] {
  const check = diagnosis.checks.find((c) => c.id === 'error_metrics');
  const data = errorMetricsDataSchema.safeParse(check?.data ?? {});
  const byOperation = data.success ? Object.entries(data.data.byOperation).map(([operation, r]) => ({ operation, ...r })) : [];
  return {
    errorRate: diagnosis.errorRate ?? (data.success ? (data.data.errorRate ?? null) : null),
    source: data.success ? (data.data.source ?? null) : null,
    windowSeconds: data.success ? (data.data.windowSeconds ?? null) : null,
    byOperation,
  };
}

/** The most telling log lines first: corruption, disk I/O, lock contention, then generic storage errors. */
function logExcerptsOf(diagnosis: StoredDiagnosis): string[] {
  const data = logSamplesSchema.safeParse(diagnosis.checks.find((c) => c.id === 'logs')?.data ?? {});
  if (!data.success) return [];
  const order = ['lsm_corruption', 'disk_io', 'lock_contention', 'storage_error'];
  const lines = order.flatMap((group) => data.data.samples[group] ?? []);
  return [...new Set(lines)].slice(0, MAX_EXCERPTS).map((l) => (l.length > MAX_LINE ? `${l.slice(0, MAX_LINE - 2)} …` : l));
}
