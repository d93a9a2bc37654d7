import { z } from 'zod';

/** The five checks, in the runbook's order (Investigation Steps 1-5). */
export const CHECK_IDS = ['error_metrics', 'logs', 'disk', 'lsm', 'locks'] as const;
export type CheckId = (typeof CHECK_IDS)[number];

export const CHECK_TITLES: Record<CheckId, string> = {
  error_metrics: '1. Error metrics',
  logs: '2. Error patterns in logs',
  disk: '3. Disk health',
  lsm: '4. LSM tree health',
  locks: '5. Lock contention',
};

export type CheckStatus = 'ok' | 'warning' | 'critical' | 'unknown';

export interface CheckResult {
  id: CheckId;
  status: CheckStatus;
  /** One line a responder reads first. */
  summary: string;
  durationMs: number;
  /** The figures behind the summary; values that could not be read are null, never guessed. */
  data: Record<string, unknown>;
  /** Why the check (or part of it) could not run. */
  error?: string;
}

export const CAUSES = ['disk_full', 'disk_hardware', 'lsm_corruption', 'lock_contention', 'compaction_lag', 'api_unresponsive', 'unknown', 'healthy'] as const;
export type Cause = (typeof CAUSES)[number];

export interface CauseFinding {
  cause: Cause;
  evidence: string[];
  /**
   * Its evidence stopped: the last matching log line is older than a few minutes, the error rate is under 1%
   * and the condition (full disk, lock waits, corruption after a rebuild) is gone. Never above warning.
   */
  recovering?: boolean;
  /** ISO time of the last log line that matched this cause's runbook patterns (null: no timestamps). */
  lastSeenAt?: string | null;
}

export interface NotChecked {
  check: CheckId;
  /** Why it could not be read ("stemedb-1: could not reach SSH at 10.0.0.11:22 (ECONNREFUSED) ..."). */
  reason: string;
}

export type Severity = 'critical' | 'warning' | 'ok';

export interface Verdict {
  /** Ordered, primary first. */
  causes: CauseFinding[];
  severity: Severity;
  summary: string;
  escalate: boolean;
  escalateReasons: string[];
  /** What could not be read, and why: the verdict holds only for the rest (never "healthy" without metrics, logs and disk). */
  notChecked?: NotChecked[];
}

export type BotAction = 'compact' | 'escalate' | 'slow_queries';

export interface Recommendation {
  title: string;
  steps: string[];
  action?: BotAction;
}

/** SPEC 4.1's JSON shape; the Slack and shell views render this same object. */
export interface DiagnosisResult {
  node: string;
  startedAt: string;
  durationMs: number;
  /** Fraction (0.04 = 4%), or null when it could not be measured. */
  errorRate: number | null;
  verdict: Verdict;
  checks: CheckResult[];
  recommendations: Recommendation[];
}

const checkResultSchema = z.object({
  id: z.enum(CHECK_IDS),
  status: z.enum(['ok', 'warning', 'critical', 'unknown']),
  summary: z.string(),
  durationMs: z.number(),
  data: z.record(z.string(), z.unknown()),
  error: z.string().optional(),
});

const verdictSchema = z.object({
  causes: z.array(
    z.object({
      cause: z.enum(CAUSES),
      evidence: z.array(z.string()),
      recovering: z.boolean().optional(),
      lastSeenAt: z.string().nullable().optional(),
    }),
  ),
  severity: z.enum(['critical', 'warning', 'ok']),
  summary: z.string(),
  escalate: z.boolean(),
  escalateReasons: z.array(z.string()),
  notChecked: z.array(z.object({ check: z.enum(CHECK_IDS), reason: z.string() })).optional(),
});

/** DiagnosisResult read back from a store: a row that no longer fits is "no diagnosis", never a half-object. */
export const diagnosisResultSchema: z.ZodType<DiagnosisResult> = z.object({
  node: z.string(),
  startedAt: z.string(),
  durationMs: z.number(),
  errorRate: z.number().nullable(),
  verdict: verdictSchema,
  checks: z.array(checkResultSchema),
  recommendations: z.array(z.object({ title: z.string(), steps: z.array(z.string()), action: z.enum(['compact', 'escalate', 'slow_queries']).optional() })),
});
