import type { Rng } from './rng';
import type { FaultScenario } from './scenarios';

/**
 * What each scenario writes to storage.log. The error texts are the runbook's, character for character,
 * because that is what responders (and the bot) grep for.
 */

export type LogLevel = 'ERROR' | 'WARN' | 'INFO';

export interface LogTemplate {
  level: LogLevel;
  target: string;
  /** Average lines a second; lines are spread evenly, not randomly, so short windows still see them. */
  perSecond: number;
  message: (rng: Rng) => string;
}

export const NO_SPACE = 'Error: Custom { kind: Other, error: "IO error: No space left on device" }';
export const IO_ERROR = 'Error: Custom { kind: Other, error: "Input/output error" }';
export const CHECKSUM_MISMATCH = 'Error: Corruption: block checksum mismatch';
export const BAD_SST_HEADER = 'Error: Corruption: invalid SST file header';
export const LOCK_TIMEOUT = 'Error: Failed to acquire write lock within timeout';
export const DEADLOCK = 'Error: Deadlock detected in KV store';

const key = (r: Rng): string => `assertion/${r.int(100000, 999999)}`;
const sst = (r: Rng): string => `${String(r.int(1, 999)).padStart(6, '0')}.sst`;
const t = (level: LogLevel, target: string, perSecond: number, message: (r: Rng) => string): LogTemplate => ({
  level,
  target,
  perSecond,
  message,
});

/** Ordinary INFO traffic every node logs, healthy or not. */
export const NOISE_LOGS: LogTemplate[] = [
  t('INFO', 'stemedb_api::http', 0.5, (r) => `request completed method=POST path=/v1/assertions status=201 latency_ms=${r.int(1, 9)}`),
  t('INFO', 'stemedb_storage::wal', 0.1, (r) => `group commit flushed batch=${r.int(8, 96)} entries fsync_ms=${r.int(1, 4)}`),
  t('INFO', 'stemedb_storage::lsm', 0.05, (r) => `flushed memtable to ${sst(r)} (${r.int(30, 64)} MiB)`),
  t('INFO', 'stemedb_index', 1 / 15, (r) => `indexed ${r.int(900, 1500)} assertions`),
];

export const FAULT_LOGS: Record<FaultScenario, LogTemplate[]> = {
  disk_full: [
    t('ERROR', 'stemedb_storage::kv', 2, (r) => `put failed key=${key(r)}: ${NO_SPACE}`),
    t('ERROR', 'stemedb_storage::kv', 0.5, () => `Failed to write to KV store: ${NO_SPACE}`),
    t('ERROR', 'stemedb_index::writer', 0.1, () => `Index update failed: ${NO_SPACE}`),
    t('WARN', 'stemedb_api::http', 0.5, () => 'request failed method=POST path=/v1/assertions status=500'),
  ],
  disk_hardware: [
    t('ERROR', 'stemedb_storage::kv', 1.5, (r) => `put failed key=${key(r)}: ${IO_ERROR}`),
    t('ERROR', 'stemedb_storage::kv', 0.8, (r) => `get failed key=${key(r)}: ${IO_ERROR}`),
    t('ERROR', 'stemedb_storage::kv', 0.3, () => `Failed to write to KV store: ${IO_ERROR}`),
    t('ERROR', 'stemedb_index::writer', 0.1, () => `Index update failed: ${IO_ERROR}`),
  ],
  lsm_corruption: [
    t('ERROR', 'stemedb_storage::lsm', 1.5, (r) => `get failed key=${key(r)} file=kv/${sst(r)}: ${CHECKSUM_MISMATCH}`),
    t('ERROR', 'stemedb_storage::lsm', 0.3, (r) => `failed to open table kv/${sst(r)}: ${BAD_SST_HEADER}`),
    t('ERROR', 'stemedb_storage::kv', 0.6, (r) => `put failed key=${key(r)}: ${CHECKSUM_MISMATCH}`),
    t('ERROR', 'stemedb_storage::lsm', 0.1, (r) => `LSM tree compaction failed: level=${r.int(0, 3)} ${BAD_SST_HEADER}`),
  ],
  lock_contention: [
    t('ERROR', 'stemedb_storage::kv', 1.5, (r) => `put failed key=${key(r)}: ${LOCK_TIMEOUT}`),
    t('WARN', 'stemedb_storage::kv', 0.5, (r) => `write lock held for ${r.int(3000, 9000)}ms by txn ${r.int(1000, 9999)}`),
  ],
  compaction_lag: [
    t('WARN', 'stemedb_storage::lsm', 0.3, (r) => `write stall: ${r.int(600, 700)} SST files waiting for compaction`),
    t('ERROR', 'stemedb_storage::kv', 0.8, (r) => `put failed key=${key(r)}: Error: Write stalled: pending compaction bytes over limit`),
    t('ERROR', 'stemedb_storage::lsm', 1 / 60, (r) => `LSM tree compaction failed: Error: Compaction job timed out after ${r.int(300, 600)}s`),
  ],
};

/** Node option `deadlocks: true`: the "cascading failures" that call for escalation. */
export const DEADLOCK_LOG = t('ERROR', 'stemedb_storage::kv', 0.2, (r) => `txn ${r.int(1000, 9999)} aborted: ${DEADLOCK}`);

/** Errors with no runbook pattern, for a healthy-looking node given an `errorFraction` (runbook "If Errors Persist"). */
export const UNEXPLAINED_ERROR_LOG = t('ERROR', 'stemedb_storage::kv', 1, (r) => `put failed key=${key(r)}: StorageError: request aborted`);

/** The templates a node with these faults logs. */
export function logTemplatesFor(faults: readonly FaultScenario[], options: { deadlocks?: boolean; errorFraction?: number }): LogTemplate[] {
  const out = [...NOISE_LOGS, ...faults.flatMap((f) => FAULT_LOGS[f])];
  if (options.deadlocks && faults.includes('lock_contention')) out.push(DEADLOCK_LOG);
  if (faults.length === 0 && options.errorFraction !== undefined && options.errorFraction > 0.001) out.push(UNEXPLAINED_ERROR_LOG);
  return out;
}
