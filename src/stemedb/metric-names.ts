/**
 * The StemeDB metrics the bot reads (SPEC 3), in one place. Config `stemedb.metricNames` may override any of
 * them by key, for a StemeDB build that exports them under other names.
 */
export const DEFAULT_METRIC_NAMES = {
  operationErrors: 'stemedb_storage_operation_errors_total',
  operations: 'stemedb_storage_operations_total',
  putDuration: 'stemedb_storage_put_duration_seconds',
  lockWait: 'stemedb_storage_lock_wait_duration_seconds',
  pendingCompactionBytes: 'stemedb_lsm_pending_compaction_bytes',
  compactionDuration: 'stemedb_lsm_compaction_duration_seconds',
  writeAmplification: 'stemedb_storage_write_amplification',
  assertionsIndexed: 'stemedb_assertions_indexed_total',
} as const;

export type MetricKey = keyof typeof DEFAULT_METRIC_NAMES;
export type MetricNames = Record<MetricKey, string>;

/** Merges config overrides; unknown keys are reported so a typo does not silently do nothing. */
export function resolveMetricNames(overrides: Record<string, string>): MetricNames {
  const unknown = Object.keys(overrides).filter((k) => !(k in DEFAULT_METRIC_NAMES));
  if (unknown.length > 0) {
    throw new Error(`unknown metric key(s) ${unknown.join(', ')}; known: ${Object.keys(DEFAULT_METRIC_NAMES).join(', ')}`);
  }
  return { ...DEFAULT_METRIC_NAMES, ...overrides };
}
