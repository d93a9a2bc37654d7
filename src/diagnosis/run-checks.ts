import { errorMetricsCheck } from './checks/error-metrics';
import { diskCheck } from './checks/disk';
import { locksCheck } from './checks/locks';
import { logsCheck } from './checks/logs';
import { lsmCheck } from './checks/lsm';
import { reasonOf, type CheckEnv, type CheckOutcome } from './checks/check';
import { CHECK_IDS, type CheckId, type CheckResult } from './types';

export const CHECKS: Record<CheckId, (env: CheckEnv) => Promise<CheckOutcome>> = {
  error_metrics: errorMetricsCheck,
  logs: logsCheck,
  disk: diskCheck,
  lsm: lsmCheck,
  locks: locksCheck,
};

export interface RunChecksOptions {
  checkTimeoutMs: number;
  deadlineMs: number;
  onCheck?: (result: CheckResult) => void;
  checks?: Partial<Record<CheckId, (env: CheckEnv) => Promise<CheckOutcome>>>;
}

/**
 * Runs the five checks concurrently. Each has its own timeout and all share one deadline; a check that throws
 * or runs out of time is `unknown` with the reason, and never holds up the others.
 */
export async function runChecks(env: CheckEnv, options: RunChecksOptions): Promise<CheckResult[]> {
  const checks = { ...CHECKS, ...options.checks };
  const deadlineAt = Date.now() + options.deadlineMs;
  return Promise.all(
    CHECK_IDS.map(async (id) => {
      const started = Date.now();
      const limitMs = Math.min(options.checkTimeoutMs, deadlineAt - started);
      const limitReason =
        limitMs < options.checkTimeoutMs
          ? `did not finish within the ${options.deadlineMs / 1000}s diagnosis deadline`
          : `did not finish within its ${options.checkTimeoutMs / 1000}s timeout`;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(limitReason)), Math.max(0, limitMs));
      });
      let result: CheckResult;
      try {
        const outcome = await Promise.race([checks[id](env), timeout]);
        result = { id, ...outcome, durationMs: Date.now() - started };
      } catch (err) {
        const reason = reasonOf(err);
        result = { id, status: 'unknown', summary: `not available: ${reason}`, data: {}, error: reason, durationMs: Date.now() - started };
      } finally {
        clearTimeout(timer);
      }
      options.onCheck?.(result);
      return result;
    }),
  );
}
