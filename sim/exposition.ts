import { LATENCY_BUCKETS, type HistogramSnapshot, type MetricsSnapshot } from './counters';
import { OPERATIONS } from './scenarios';

export interface GaugeValues {
  pendingCompactionBytes: number;
  writeAmplification: number;
}

const num = (v: number): string => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(12))));

function family(lines: string[], name: string, type: string, help: string): void {
  lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
}

function histogram(lines: string[], name: string, help: string, h: HistogramSnapshot, labels: string): void {
  family(lines, name, 'histogram', help);
  const prefix = labels ? `${labels},` : '';
  LATENCY_BUCKETS.forEach((le, i) => lines.push(`${name}_bucket{${prefix}le="${le}"} ${h.buckets[i]}`));
  lines.push(`${name}_bucket{${prefix}le="+Inf"} ${h.count}`);
  const plain = labels ? `{${labels}}` : '';
  lines.push(`${name}_sum${plain} ${num(h.sum)}`, `${name}_count${plain} ${h.count}`);
}

/**
 * Renders StemeDB's storage metrics in the Prometheus text exposition format (version 0.0.4).
 * @example renderExposition(counters.snapshot(), { pendingCompactionBytes: 5e7, writeAmplification: 3 })
 */
export function renderExposition(m: MetricsSnapshot, gauges: GaugeValues): string {
  const lines: string[] = [];
  family(lines, 'stemedb_storage_operations_total', 'counter', 'Storage operations by type.');
  for (const op of OPERATIONS) lines.push(`stemedb_storage_operations_total{operation="${op}"} ${m.operations[op]}`);
  family(lines, 'stemedb_storage_operation_errors_total', 'counter', 'Storage operations that failed, by type.');
  for (const op of OPERATIONS) lines.push(`stemedb_storage_operation_errors_total{operation="${op}"} ${m.errors[op]}`);
  histogram(lines, 'stemedb_storage_put_duration_seconds', 'Latency of storage writes.', m.putDuration, 'operation="put"');
  histogram(lines, 'stemedb_storage_lock_wait_duration_seconds', 'Time spent waiting for the KV store write lock.', m.lockWait, '');
  family(lines, 'stemedb_lsm_pending_compaction_bytes', 'gauge', 'Bytes the LSM tree still has to compact.');
  lines.push(`stemedb_lsm_pending_compaction_bytes ${num(Math.round(gauges.pendingCompactionBytes))}`);
  family(lines, 'stemedb_storage_write_amplification', 'gauge', 'Bytes written to disk per byte written by clients.');
  lines.push(`stemedb_storage_write_amplification ${num(gauges.writeAmplification)}`);
  family(lines, 'stemedb_lsm_compaction_duration_seconds', 'summary', 'Duration of LSM compactions.');
  ['0.5', '0.9', '0.99'].forEach((q, i) => lines.push(`stemedb_lsm_compaction_duration_seconds{quantile="${q}"} ${num(m.compaction.quantiles[i] ?? 0)}`));
  lines.push(`stemedb_lsm_compaction_duration_seconds_sum ${num(m.compaction.sum)}`);
  lines.push(`stemedb_lsm_compaction_duration_seconds_count ${m.compaction.count}`);
  family(lines, 'stemedb_assertions_indexed_total', 'counter', 'Assertions written to the index.');
  lines.push(`stemedb_assertions_indexed_total ${m.assertionsIndexed}`);
  return `${lines.join('\n')}\n`;
}
