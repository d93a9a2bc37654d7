/**
 * The simulator's fault scenarios as data: what each one does to error rates, the LSM tree and latencies.
 * Numbers follow the runbook "High Storage Error Rate" (alert at > 1% errors, < 100 SST files expected,
 * > 500 = compaction failing, pending compaction > 10 GB = lagging, write amplification should be < 10).
 */

export const SCENARIOS = ['healthy', 'disk_full', 'disk_hardware', 'lsm_corruption', 'lock_contention', 'compaction_lag'] as const;
export type Scenario = (typeof SCENARIOS)[number];
/** Scenarios that are faults (everything but `healthy`). */
export type FaultScenario = Exclude<Scenario, 'healthy'>;

export const OPERATIONS = ['put', 'get', 'delete'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** A latency distribution as (seconds, cumulative fraction) anchors, from fraction 0 to 1, interpolated in log space. */
export type LatencyCurve = ReadonlyArray<readonly [seconds: number, cumulative: number]>;

export interface ScenarioProfile {
  /** Fraction of each operation that fails. */
  errors: Record<Operation, number>;
  sstFiles: number;
  pendingBytes: number;
  writeAmplification: number;
  putLatency: LatencyCurve;
  lockWait: LatencyCurve;
  /** Quantiles 0.5, 0.9 and 0.99 of background compaction durations, in seconds. */
  compactionQuantiles: readonly [number, number, number];
  slowQueries: boolean;
}

const FAST_PUT: LatencyCurve = [
  [0.0004, 0],
  [0.002, 0.5],
  [0.005, 0.9],
  [0.015, 0.99],
  [0.04, 1],
];
const FAST_LOCK: LatencyCurve = [
  [0.00005, 0],
  [0.0002, 0.5],
  [0.0008, 0.9],
  [0.002, 0.99],
  [0.005, 1],
];

export const HEALTHY_PROFILE: ScenarioProfile = {
  errors: { put: 0.0005, get: 0.0005, delete: 0.0005 },
  sstFiles: 40,
  pendingBytes: 50e6,
  writeAmplification: 3,
  putLatency: FAST_PUT,
  lockWait: FAST_LOCK,
  compactionQuantiles: [1.2, 3.5, 8],
  slowQueries: false,
};

/** Each fault as a change from the healthy profile. Only lock contention pushes put latency into seconds. */
export const FAULT_PROFILES: Record<FaultScenario, Partial<ScenarioProfile>> = {
  disk_full: {
    errors: { put: 0.03, get: 0, delete: 0.03 },
    sstFiles: 85,
    pendingBytes: 2.1e9,
    writeAmplification: 4,
    putLatency: [
      [0.0005, 0],
      [0.003, 0.5],
      [0.02, 0.9],
      [0.12, 0.99],
      [0.4, 1],
    ],
  },
  disk_hardware: {
    errors: { put: 0.04, get: 0.02, delete: 0.04 },
    sstFiles: 42,
    pendingBytes: 60e6,
    putLatency: [
      [0.0005, 0],
      [0.004, 0.5],
      [0.05, 0.9],
      [0.4, 0.99],
      [1, 1],
    ],
  },
  lsm_corruption: {
    errors: { put: 0.02, get: 0.05, delete: 0.02 },
    sstFiles: 48,
    pendingBytes: 300e6,
    writeAmplification: 3.5,
  },
  lock_contention: {
    errors: { put: 0.02, get: 0, delete: 0.02 },
    putLatency: [
      [0.001, 0],
      [0.05, 0.5],
      [1.5, 0.9],
      [4, 0.99],
      [6, 1],
    ],
    lockWait: [
      [0.0001, 0],
      [0.02, 0.5],
      [2, 0.9],
      [5, 0.99],
      [5.2, 1],
    ],
    slowQueries: true,
  },
  compaction_lag: {
    errors: { put: 0.02, get: 0, delete: 0.02 },
    sstFiles: 650,
    pendingBytes: 12e9,
    writeAmplification: 14,
    putLatency: [
      [0.0005, 0],
      [0.004, 0.5],
      [0.08, 0.9],
      [0.5, 0.99],
      [1, 1],
    ],
    compactionQuantiles: [45, 120, 300],
  },
};

/** Drops `healthy`, removes duplicates and orders faults as in SCENARIOS; `[]` means healthy. */
export function normalizeScenarios(scenarios: readonly Scenario[]): FaultScenario[] {
  return SCENARIOS.filter((s): s is FaultScenario => s !== 'healthy' && scenarios.includes(s));
}

export interface ProfileOptions {
  /** Replaces the error fraction of every operation the faults make fail (on a healthy node: of puts). */
  errorFraction?: number;
  /** Sets single operations' error fractions (after `errorFraction`): e.g. puts failing at 16% while reads do not. */
  errorsByOperation?: Partial<Record<Operation, number>>;
}

const slowest = (a: LatencyCurve, b: LatencyCurve): LatencyCurve => ((b.at(-1)?.[0] ?? 0) > (a.at(-1)?.[0] ?? 0) ? b : a);

/**
 * The profile of a node with several faults at once: failures combine as independent causes, sizes and
 * latencies take the worst of the faults.
 * @example combineProfiles(['disk_full', 'compaction_lag']).errors.put // 1 - 0.9995 * 0.97 * 0.98
 */
export function combineProfiles(scenarios: readonly Scenario[], options: ProfileOptions = {}): ScenarioProfile {
  const faults = normalizeScenarios(scenarios);
  const out: ScenarioProfile = { ...HEALTHY_PROFILE, errors: { ...HEALTHY_PROFILE.errors } };
  for (const fault of faults) {
    const p = FAULT_PROFILES[fault];
    for (const op of OPERATIONS) {
      const f = p.errors?.[op] ?? 0;
      if (f > 0) out.errors[op] = 1 - (1 - out.errors[op]) * (1 - f);
    }
    out.sstFiles = Math.max(out.sstFiles, p.sstFiles ?? 0);
    out.pendingBytes = Math.max(out.pendingBytes, p.pendingBytes ?? 0);
    out.writeAmplification = Math.max(out.writeAmplification, p.writeAmplification ?? 0);
    if (p.putLatency) out.putLatency = slowest(out.putLatency, p.putLatency);
    if (p.lockWait) out.lockWait = slowest(out.lockWait, p.lockWait);
    if (p.compactionQuantiles && p.compactionQuantiles[2] > out.compactionQuantiles[2]) out.compactionQuantiles = p.compactionQuantiles;
    out.slowQueries ||= p.slowQueries ?? false;
  }
  if (options.errorFraction !== undefined) {
    const f = options.errorFraction;
    if (faults.length === 0) out.errors.put = f;
    for (const op of OPERATIONS) if (faults.length > 0 && out.errors[op] > HEALTHY_PROFILE.errors[op] * 1.5) out.errors[op] = f;
  }
  for (const [op, f] of Object.entries(options.errorsByOperation ?? {}) as [Operation, number][]) out.errors[op] = f;
  return out;
}
