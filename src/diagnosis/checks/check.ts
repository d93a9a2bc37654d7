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
