import { assessErrorRates } from '../diagnosis/checks/error-metrics';
import { THRESHOLDS } from '../diagnosis/thresholds';
import { counterDeltaByLabel } from '../prometheus/metric-queries';
import type { CounterSnapshot } from './compaction-types';

export interface ErrorRateReading {
  /** Σerrors / Σoperations over the window (fraction), or null when nothing was measured. */
  errorRate: number | null;
  windowSeconds: number;
  /** The error-metrics check's sentence, e.g. "error rate 0.00% over 5s (put 0.00%, ...)". */
  summary: string;
}

/** The error rate between two counter scrapes, with the diagnosis' own rules (the alert's denominator). Pure. */
export function errorRateBetween(first: CounterSnapshot, second: CounterSnapshot): ErrorRateReading {
  const windowSeconds = Math.max(0, (second.atMs - first.atMs) / 1000);
  const delta = (a: Record<string, number>, b: Record<string, number>) => counterDeltaByLabel(new Map(Object.entries(b)), new Map(Object.entries(a)));
  const outcome = assessErrorRates({
    source: 'scrapes',
    windowSeconds: Math.round(windowSeconds * 10) / 10,
    errors: delta(first.errors, second.errors),
    operations: delta(first.operations, second.operations),
    notExported: [],
  });
  return { errorRate: outcome.data.errorRate, windowSeconds, summary: outcome.summary };
}

export type ConditionState = 'cleared' | 'persists' | 'worse' | 'unknown';

/**
 * Whether the alert's condition (storage errors > 1% of operations) cleared after the compaction, persists,
 * or got worse than before it. "Worse" needs a clear rise (10% relative and 0.1 points), not noise. Pure.
 * @example conditionAfter(0.04, 0.001) // 'cleared'
 */
export function conditionAfter(before: number | null, after: number | null): ConditionState {
  if (after === null) return 'unknown';
  if (after <= THRESHOLDS.errorRateCritical) return 'cleared';
  if (before !== null && after > before * 1.1 && after - before > 0.001) return 'worse';
  return 'persists';
}
