import type { CheckStatus } from '../types';
import type { MetricNames } from '../../stemedb/metric-names';
import type { DiagnosisSources } from '../diagnosis-sources';

/** What one check returns; the runner adds its id and duration. */
export interface CheckOutcome<D extends Record<string, unknown> = Record<string, unknown>> {
  status: CheckStatus;
  summary: string;
  data: D;
  /** Why some or all of it could not be read. */
  error?: string;
}

export interface CheckEnv {
  sources: DiagnosisSources;
  now: Date;
  metricNames: MetricNames;
  logWindowMinutes: number;
  recentRebootMinutes: number;
  /** Prometheus `rate(...[5m])` per operation, when `prometheus.url` is set. */
  prometheusRates?: () => Promise<{ errors: Map<string, number>; operations: Map<string, number> }>;
}

const ORDER: CheckStatus[] = ['ok', 'warning', 'critical'];

/** The worse of the known statuses; `unknown` only when nothing was known. */
export function worstStatus(statuses: readonly CheckStatus[]): CheckStatus {
  const known = statuses.filter((s) => s !== 'unknown');
  if (known.length === 0) return 'unknown';
  return known.reduce((a, b) => (ORDER.indexOf(b) > ORDER.indexOf(a) ? b : a));
}

/** A sentence from an error, for "not available (...)". */
export function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A promise's value or the reason it failed, so one missing source never fails a whole check. */
export function settle<T>(promise: Promise<T>): Promise<{ value: T } | { reason: string }> {
  return promise.then(
    (value) => ({ value }),
    (err: unknown) => ({ reason: reasonOf(err) }),
  );
}

/** The outcome of a check assembled from parts, some of which could not be read ("not available: ..."). */
export function partialOutcome<D extends Record<string, unknown>>(
  statuses: readonly CheckStatus[],
  parts: readonly string[],
  unavailable: readonly string[],
  data: D,
): CheckOutcome<D> {
  const missing = unavailable.length > 0 ? `not available: ${unavailable.join(', ')}` : '';
  return {
    status: worstStatus(statuses),
    summary: [parts.join('; ') || 'nothing could be read', missing].filter(Boolean).join('; '),
    data,
    ...(missing ? { error: missing } : {}),
  };
}
