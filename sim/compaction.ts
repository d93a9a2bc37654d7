/** A manual compaction in flight (`POST /v1/admin/storage/compact`). */
export interface CompactionRun {
  id: string;
  force: boolean;
  startedAtMs: number;
  durationMs: number;
  startSstFiles: number;
  /** Files left when it is done (never more than at the start). */
  targetSstFiles: number;
  startPendingBytes: number;
}

/** SST files a finished compaction leaves: merged into this many larger tables. */
export const COMPACTED_SST_FILES = 30;

export function startCompaction(opts: {
  id: string;
  force: boolean;
  nowMs: number;
  durationMs: number;
  sstFiles: number;
  pendingBytes: number;
}): CompactionRun {
  return {
    id: opts.id,
    force: opts.force,
    startedAtMs: opts.nowMs,
    durationMs: opts.durationMs,
    startSstFiles: opts.sstFiles,
    targetSstFiles: Math.min(opts.sstFiles, COMPACTED_SST_FILES),
    startPendingBytes: opts.pendingBytes,
  };
}

/** Fraction done, 0..1; work proceeds linearly over the run's duration. */
export function compactionProgress(run: CompactionRun, nowMs: number): number {
  if (run.durationMs <= 0) return 1;
  return Math.min(1, Math.max(0, (nowMs - run.startedAtMs) / run.durationMs));
}

/** How many SST files should remain at this point of the run. */
export function sstFilesAt(run: CompactionRun, progress: number): number {
  return Math.round(run.startSstFiles - (run.startSstFiles - run.targetSstFiles) * progress);
}

export function pendingBytesAt(run: CompactionRun, progress: number): number {
  return run.startPendingBytes * (1 - progress);
}
