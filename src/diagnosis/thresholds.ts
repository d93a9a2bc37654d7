/** Every threshold the runbook names, in one place. */
export const THRESHOLDS = {
  /** Alert rule: storage errors > 1% of operations. */
  errorRateCritical: 0.01,
  /** "Escalate immediately if error rate exceeds 10%". */
  errorRateEscalate: 0.1,
  /** DiskSpaceWarning: available below 20%. */
  diskFreeWarning: 0.2,
  /** Below this nothing can be written for long: treated as full. */
  diskFreeCritical: 0.05,
  /** Step 4: expected < 100 SST files; > 500 means compaction is failing. */
  sstExpected: 100,
  sstFailing: 500,
  /** LSMCompactionLag: pending compaction > 10 GB. */
  pendingCompactionBytes: 10e9,
  /** "stemedb_storage_write_amplification (should be < 10)". */
  writeAmplification: 10,
  /** Lock waits near StemeDB's default lock_timeout_ms (5000) are timeouts in the making. */
  lockWaitWarningSeconds: 1,
  lockWaitCriticalSeconds: 5,
  /** A cause whose last log line is older than this (with the rate under 1% and the condition gone) is recovering. */
  evidenceQuietSeconds: 300,
  /** Writes slower than this at p99 are a symptom worth showing. */
  putLatencyWarningSeconds: 1,
} as const;
