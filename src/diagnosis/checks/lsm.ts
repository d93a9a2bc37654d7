import { lookupValue } from '../../prometheus/metric-queries';
import { formatBytes, formatCount } from '../../render/format';
import { THRESHOLDS } from '../thresholds';
import type { CheckStatus } from '../types';
import { partialOutcome, settle, type CheckEnv, type CheckOutcome } from './check';

export type LsmData = {
  /** Counted on the host (`find kv -name '*.sst'`), else from the API. */
  sstFiles: number | null;
  sstFilesSource: 'host' | 'api' | null;
  totalBytes: number | null;
  pendingCompactionBytes: number | null;
  writeAmplification: number | null;
  kvBytes: number | null;
  walBytes: number | null;
  walSegments: number | null;
  compactionRunning: boolean | null;
  unavailable: string[];
};

/** Step 4: SST file count (< 100 expected, > 500 failing), kv/wal sizes, pending compaction, write amplification. */
export async function lsmCheck(env: CheckEnv): Promise<CheckOutcome<LsmData>> {
  const [sst, sizes, wal, stats, scrape] = await Promise.all([
    settle(env.sources.host('sst_count')),
    settle(env.sources.host('sizes')),
    settle(env.sources.host('wal_segments')),
    settle(env.sources.storageStats()),
    settle(env.sources.scrape()),
  ]);
  const unavailable: string[] = [];
  const hostNumber = (r: typeof sst, what: string) => {
    if ('reason' in r) return (unavailable.push(`${what} (${r.reason})`), null);
    const n = r.value.code === 0 ? Number.parseInt(r.value.stdout.trim(), 10) : Number.NaN;
    const why = r.value.stderr.trim().split('\n')[0]?.slice(0, 200) || `exit ${r.value.code}`;
    return Number.isFinite(n) ? n : (unavailable.push(`${what} (${why})`), null);
  };
  const hostSst = hostNumber(sst, 'SST count on host');
  const walSegments = hostNumber(wal, 'WAL segments');
  const du = 'value' in sizes && sizes.value.code === 0 ? parseDu(sizes.value.stdout) : (unavailable.push('kv/wal sizes'), undefined);
  const api = 'value' in stats ? stats.value : (unavailable.push(`storage stats (${stats.reason})`), undefined);
  const metric = (name: string) => ('value' in scrape ? (lookupValue(scrape.value, name)?.value ?? null) : null);
  const data: LsmData = {
    sstFiles: hostSst ?? api?.sst_file_count ?? null,
    sstFilesSource: hostSst !== null ? 'host' : api ? 'api' : null,
    totalBytes: api?.total_bytes ?? null,
    pendingCompactionBytes: api?.pending_compaction_bytes ?? metric(env.metricNames.pendingCompactionBytes),
    writeAmplification: metric(env.metricNames.writeAmplification),
    kvBytes: du?.kv ?? null,
    walBytes: du?.wal ?? null,
    walSegments,
    compactionRunning: api?.compaction_running ?? null,
    unavailable,
  };
  return assessLsm(data);
}

function parseDu(output: string): { kv: number | null; wal: number | null } {
  const sizes = output
    .trim()
    .split('\n')
    .map((l) => Number.parseInt(l.split(/\s+/)[0] ?? '', 10));
  return { kv: Number.isFinite(sizes[0]) ? sizes[0]! : null, wal: Number.isFinite(sizes[1]) ? sizes[1]! : null };
}

/** Pure: status and summary from the LSM figures. */
export function assessLsm(data: LsmData): CheckOutcome<LsmData> {
  const statuses: CheckStatus[] = [];
  const parts: string[] = [];
  if (data.sstFiles !== null) {
    statuses.push(data.sstFiles > THRESHOLDS.sstFailing ? 'critical' : data.sstFiles >= THRESHOLDS.sstExpected ? 'warning' : 'ok');
    parts.push(
      `${data.sstFiles} SST files${data.sstFiles > THRESHOLDS.sstFailing ? ' (> 500: compaction failing)' : data.sstFiles >= THRESHOLDS.sstExpected ? ' (expected < 100)' : ''}`,
    );
  }
  if (data.pendingCompactionBytes !== null) {
    statuses.push(data.pendingCompactionBytes > THRESHOLDS.pendingCompactionBytes ? 'critical' : 'ok');
    parts.push(
      `pending compaction ${formatBytes(data.pendingCompactionBytes)}${data.pendingCompactionBytes > THRESHOLDS.pendingCompactionBytes ? ' (> 10 GB: lagging)' : ''}`,
    );
  }
  if (data.writeAmplification !== null) {
    statuses.push(data.writeAmplification >= THRESHOLDS.writeAmplification ? 'warning' : 'ok');
    parts.push(
      `write amplification ${data.writeAmplification.toFixed(1)}${data.writeAmplification >= THRESHOLDS.writeAmplification ? ' (should be < 10)' : ''}`,
    );
  }
  if (data.kvBytes !== null || data.walBytes !== null)
    parts.push(`kv ${formatBytes(data.kvBytes)}, wal ${formatBytes(data.walBytes)} in ${formatCount(data.walSegments)} segments`);
  if (data.compactionRunning) parts.push('a compaction is running');
  return partialOutcome(statuses, parts, data.unavailable, data);
}
