import { randomUUID } from 'node:crypto';
import { compactionProgress, pendingBytesAt, sstFilesAt, startCompaction, type CompactionRun } from './compaction';
import { StorageCounters } from './counters';
import { renderExposition } from './exposition';
import { deleteOldestSst, hostPaths, listSstFiles, prepareHostDir, syncSstFiles, type HostPaths } from './host-dir';
import { DEFAULT_UPTIME_SECONDS, writeToolState, writeUptime } from './host-state';
import { BoundedLogFile } from './log-file';
import { formatLogLine, LogLineGenerator } from './log-lines';
import { logTemplatesFor } from './log-templates';
import { createRng } from './rng';
import { combineProfiles, normalizeScenarios, type FaultScenario, type ProfileOptions, type Scenario, type ScenarioProfile } from './scenarios';

type ScenarioOptionsErrors = ProfileOptions['errorsByOperation'];
import { slowQueries, type SlowQuery } from './slow-queries';

export interface SimNodeOptions {
  name: string;
  scenarios: Scenario[];
  port?: number;
  adminToken?: string;
  /** Replaces the error fraction of the operations the scenarios make fail (healthy node: puts). */
  errorFraction?: number;
  /** Error fractions of single operations, e.g. `{ put: 0.16 }`. */
  errorsByOperation?: ScenarioOptionsErrors;
  /** Per operation (put, get, delete); default 400. */
  opsPerSecond?: number;
  /** How long a manual compaction takes; default 6. */
  compactionSeconds?: number;
  hangMs?: number;
  /** With `lock_contention`: also log deadlocks (the runbook's "cascading failures"). */
  deadlocks?: boolean;
  /** Host uptime at start; default about ten days. */
  rebootedSecondsAgo?: number;
  /** Answer `POST /v1/admin/storage/compact` with this status (e.g. 500) instead of compacting. */
  compactFailStatus?: number;
  /** With `disk_full`: what ran out, the bytes (default) or the inodes (`df -i`). */
  fullBy?: 'space' | 'inodes';
  /** With `lsm_corruption`: the log shows a WAL rebuild this long ago (default 300 s) that completed or failed; corruption goes on after it. */
  walRebuild?: { outcome: 'completed' | 'failed'; secondsAgo?: number };
  /**
   * The scenarios ended this long ago (at most 10 min): the log holds their lines up to then and the remedy's
   * line (compaction finished, or rebuild complete for corruption); metrics and files are healthy now.
   */
  recoveredSecondsAgo?: number;
}

const TICK_MS = 1000;
const COMPACTION_STEP_MS = 100;
const PREFILL_MS = 10 * 60_000;
/** The stats API reports SST files at this nominal size (the real files are a few KiB). */
export const NOMINAL_SST_BYTES = 64 * 1024 * 1024;
/** After a compaction pending bytes stay 0 this long, then grow back to the scenario's level over REGROW_MS. */
const SETTLED_MS = 120_000;
const REGROW_MS = 300_000;

export type CompactResult = { status: 202 | 409; body: Record<string, unknown> };

/** One simulated StemeDB node: metrics, LSM state, logs and host files, driven by the clock. No HTTP here. */
export class SimNode {
  readonly paths: HostPaths;
  hangMs: number;
  compactRequests = 0;
  private faults: FaultScenario[];
  private readonly counters: StorageCounters;
  private readonly logs: LogLineGenerator;
  private readonly logFile: BoundedLogFile;
  private loggedUntil: number;
  private compaction: CompactionRun | null = null;
  private compactionTimer: NodeJS.Timeout | null = null;
  private settledAtMs: number | null = null;
  private scenariosSinceMs: number;
  private readonly bootMs: number;
  private readonly ticker: NodeJS.Timeout;

  constructor(
    readonly options: SimNodeOptions,
    baseDir: string,
    private readonly now: () => number = Date.now,
  ) {
    const t = now();
    this.scenariosSinceMs = t;
    this.paths = hostPaths(baseDir, options.name);
    const history = normalizeScenarios(options.scenarios);
    this.faults = options.recoveredSecondsAgo === undefined ? history : [];
    this.hangMs = options.hangMs ?? 0;
    this.bootMs = t - (options.rebootedSecondsAgo ?? DEFAULT_UPTIME_SECONDS) * 1000;
    prepareHostDir(this.paths, t);
    syncSstFiles(this.paths.kvDir, this.profile().sstFiles, t);
    writeUptime(this.paths, this.uptimeSeconds(t));
    writeToolState(this.paths, options.name, this.faults, this.uptimeSeconds(t), options.fullBy);
    this.counters = new StorageCounters(t, options.opsPerSecond ?? 400, this.profile());
    this.logs = new LogLineGenerator(createRng(options.name));
    this.logFile = new BoundedLogFile(this.paths.logFile);
    this.loggedUntil = t - PREFILL_MS;
    this.prefillHistory(history, t);
    this.flushLogs(t);
    this.ticker = setInterval(() => this.tick(), TICK_MS);
    this.ticker.unref();
  }

  get name(): string {
    return this.options.name;
  }

  /** Active scenarios; `['healthy']` when there are no faults. */
  scenarios(): Scenario[] {
    return this.faults.length ? [...this.faults] : ['healthy'];
  }

  profile(): ScenarioProfile {
    return combineProfiles(this.faults, { errorFraction: this.options.errorFraction, errorsByOperation: this.options.errorsByOperation });
  }

  /** Switches scenarios now: counters and logs up to now keep the old ones, files follow the new ones. */
  setScenarios(scenarios: readonly Scenario[]): void {
    const t = this.now();
    this.applyFaults(normalizeScenarios(scenarios), t);
    this.settledAtMs = null;
    if (!this.compaction) syncSstFiles(this.paths.kvDir, this.profile().sstFiles, t);
  }

  metricsText(): string {
    const t = this.now();
    this.counters.advance(t, this.profile());
    return renderExposition(this.counters.snapshot(), {
      pendingCompactionBytes: this.pendingBytes(t),
      writeAmplification: this.profile().writeAmplification,
    });
  }

  /** `GET /v1/admin/storage/stats`: the SST count is the real number of files in kv/. */
  stats(): Record<string, unknown> {
    const t = this.now();
    const sstFiles = listSstFiles(this.paths.kvDir).length;
    const run = this.compaction;
    return {
      sst_file_count: sstFiles,
      total_bytes: sstFiles * NOMINAL_SST_BYTES,
      pending_compaction_bytes: Math.round(this.pendingBytes(t)),
      write_amplification: this.profile().writeAmplification,
      compaction_running: run !== null,
      compaction: run && { id: run.id, force: run.force, started_at: new Date(run.startedAtMs).toISOString(), progress: compactionProgress(run, t) },
    };
  }

  slowQueries(): SlowQuery[] {
    return this.profile().slowQueries ? slowQueries(this.now(), this.scenariosSinceMs) : [];
  }

  /** Starts a manual compaction, or 409 while one runs. */
  compact(force: boolean): CompactResult {
    if (this.compaction) {
      return { status: 409, body: { status: 'already_running', error: 'a compaction is already running', compaction_id: this.compaction.id } };
    }
    const t = this.now();
    const run = startCompaction({
      id: randomUUID(),
      force,
      nowMs: t,
      durationMs: (this.options.compactionSeconds ?? 6) * 1000,
      sstFiles: listSstFiles(this.paths.kvDir).length,
      pendingBytes: this.pendingBytes(t),
    });
    this.compaction = run;
    this.log(
      t,
      'INFO',
      `manual compaction started id=${run.id} force=${force} sst_files=${run.startSstFiles} pending_compaction_bytes=${Math.round(run.startPendingBytes)}`,
    );
    this.compactionTimer = setInterval(() => this.stepCompaction(), COMPACTION_STEP_MS);
    this.compactionTimer.unref();
    return {
      status: 202,
      body: { status: 'started', compaction_id: run.id, force, sst_file_count: run.startSstFiles, pending_compaction_bytes: Math.round(run.startPendingBytes) },
    };
  }

  state(): Record<string, unknown> {
    const t = this.now();
    return {
      name: this.name,
      scenarios: this.scenarios(),
      error_fractions: this.profile().errors,
      hang_ms: this.hangMs,
      compact_requests: this.compactRequests,
      uptime_seconds: this.uptimeSeconds(t),
      ...this.stats(),
    };
  }

  /** Stops timers; files stay (the caller owns the base directory). */
  stop(): void {
    clearInterval(this.ticker);
    if (this.compactionTimer) clearInterval(this.compactionTimer);
    this.compactionTimer = null;
  }

  private stepCompaction(): void {
    const run = this.compaction;
    if (!run) return;
    try {
      const t = this.now();
      const progress = compactionProgress(run, t);
      deleteOldestSst(this.paths.kvDir, sstFilesAt(run, progress));
      if (progress < 1) return;
      this.compaction = null;
      if (this.compactionTimer) clearInterval(this.compactionTimer);
      this.compactionTimer = null;
      // The runbook's remedy for both: a full compaction frees the space and clears the backlog.
      this.applyFaults(
        this.faults.filter((f) => f !== 'disk_full' && f !== 'compaction_lag'),
        t,
      );
      this.settledAtMs = t;
      const seconds = (t - run.startedAtMs) / 1000;
      this.counters.observeCompaction(seconds);
      this.log(
        t,
        'INFO',
        `compaction finished id=${run.id} sst_files ${run.startSstFiles} -> ${run.targetSstFiles} pending_compaction_bytes ${Math.round(run.startPendingBytes)} -> 0 in ${seconds.toFixed(1)}s`,
      );
    } catch {
      // The data dir vanished under us (a test cleaned up early): nothing left to compact.
    }
  }

  private applyFaults(faults: FaultScenario[], t: number): void {
    this.counters.advance(t, this.profile());
    this.flushLogs(t);
    if (faults.join() !== this.faults.join()) this.scenariosSinceMs = t;
    this.faults = faults;
    this.counters.advance(t, this.profile());
    writeToolState(this.paths, this.name, this.faults, this.uptimeSeconds(t), this.options.fullBy);
  }

  private pendingBytes(t: number): number {
    if (this.compaction) return pendingBytesAt(this.compaction, compactionProgress(this.compaction, t));
    const level = this.profile().pendingBytes * (1 + 0.02 * Math.sin(t / 37_000));
    if (this.settledAtMs === null) return level;
    return Math.min(level, (level * Math.max(0, t - this.settledAtMs - SETTLED_MS)) / REGROW_MS);
  }

  private uptimeSeconds(t: number): number {
    return (t - this.bootMs) / 1000;
  }

  private tick(): void {
    try {
      const t = this.now();
      this.counters.advance(t, this.profile());
      this.flushLogs(t);
      writeUptime(this.paths, this.uptimeSeconds(t));
    } catch {
      // Same as above: a removed directory must not crash the process hosting the simulator.
    }
  }

  /** The log's past: faults that ended (`recoveredSecondsAgo`) and a WAL rebuild (`walRebuild`), each at its time. */
  private prefillHistory(history: FaultScenario[], t: number): void {
    const { recoveredSecondsAgo, walRebuild } = this.options;
    const event = (secondsAgo: number, faults: FaultScenario[], level: 'INFO' | 'ERROR', message: string) => {
      const at = Math.max(this.loggedUntil, t - secondsAgo * 1000);
      this.flushLogs(at, faults);
      this.logFile.append([formatLogLine(at, level, 'stemedb_storage::lsm', message)]);
      return at;
    };
    if (walRebuild && history.includes('lsm_corruption')) {
      const segments = 25;
      event(
        walRebuild.secondsAgo ?? 300,
        history,
        walRebuild.outcome === 'completed' ? 'INFO' : 'ERROR',
        walRebuild.outcome === 'completed'
          ? `rebuild complete: kv rebuilt from ${segments} WAL segments in 48.2s`
          : `WAL rebuild failed: Error: WAL segment segment.0000${segments - 2}.wal truncated at offset 81920`,
      );
    }
    if (recoveredSecondsAgo !== undefined && history.length > 0) {
      const remedy = history.includes('lsm_corruption')
        ? 'rebuild complete: kv rebuilt from 25 WAL segments in 51.7s'
        : `compaction finished id=${randomUUID()} sst_files ${combineProfiles(history).sstFiles} -> 30 pending_compaction_bytes ${Math.round(combineProfiles(history).pendingBytes)} -> 0 in 412.0s`;
      this.settledAtMs = event(recoveredSecondsAgo, history, 'INFO', remedy);
    }
  }

  private flushLogs(t: number, faults: readonly FaultScenario[] = this.faults): void {
    const templates = logTemplatesFor(faults, { deadlocks: this.options.deadlocks, errorFraction: this.options.errorFraction });
    this.logFile.append(this.logs.generate(templates, this.loggedUntil, t));
    this.loggedUntil = Math.max(this.loggedUntil, t);
  }

  private log(t: number, level: 'INFO' | 'ERROR', message: string): void {
    this.flushLogs(t);
    this.logFile.append([formatLogLine(t, level, 'stemedb_storage::lsm', message)]);
  }
}
