import { extractHistogram, histogramDelta, type HistogramSnapshot } from '../../prometheus/metric-queries';
import { histogramQuantile } from '../../prometheus/histogram-quantile';
import type { ParsedExposition } from '../../prometheus/parse-exposition';
import { formatSeconds } from '../../render/format';
import { THRESHOLDS } from '../thresholds';
import type { CheckStatus } from '../types';
import { partialOutcome, settle, type CheckEnv, type CheckOutcome } from './check';
import { readLogScan } from './logs';

export type LocksData = {
  lockTimeouts: number | null;
  deadlocks: number | null;
  samples: string[];
  putP99Seconds: number | null;
  lockWaitP99Seconds: number | null;
  /** Whether the quantiles cover the sampling window or the process lifetime (no second scrape). */
  latencyWindow: 'window' | 'lifetime' | null;
  slowQueries: number | null;
  unavailable: string[];
};

/** Step 5: lock-timeout and deadlock log lines, put latency and lock wait p99 from histograms, slow queries. */
export async function locksCheck(env: CheckEnv): Promise<CheckOutcome<LocksData>> {
  const [logs, pair, slow] = await Promise.all([settle(readLogScan(env)), settle(env.sources.scrapePair()), settle(env.sources.slowQueries())]);
  const unavailable: string[] = [];
  const data: LocksData = {
    lockTimeouts: null,
    deadlocks: null,
    samples: [],
    putP99Seconds: null,
    lockWaitP99Seconds: null,
    latencyWindow: null,
    slowQueries: null,
    unavailable,
  };
  if ('value' in logs) {
    const { scan } = logs.value;
    data.lockTimeouts = scan.lockTimeouts.count;
    data.deadlocks = scan.byPattern['Deadlock detected'].count;
    data.samples = [...scan.lockTimeouts.samples, ...scan.byPattern['Deadlock detected'].samples].slice(-3);
  } else unavailable.push(`lock log lines (${logs.reason})`);
  if ('value' in pair) {
    const { first, second } = pair.value;
    const p99 = (name: string) => windowP99(first, second, name);
    const put = p99(env.metricNames.putDuration);
    const wait = p99(env.metricNames.lockWait);
    data.putP99Seconds = put.value;
    data.lockWaitP99Seconds = wait.value;
    data.latencyWindow = put.window ?? wait.window;
    if (put.value === null) unavailable.push(`put latency (${env.metricNames.putDuration} ${put.why})`);
    if (wait.value === null) unavailable.push(`lock wait (${env.metricNames.lockWait} ${wait.why})`);
  } else unavailable.push(`latency histograms (${pair.reason})`);
  if ('value' in slow) data.slowQueries = slow.value.length;
  else unavailable.push(`slow queries (${slow.reason})`);
  return assessLocks(data);
}

/** p99 over the window between the scrapes; the lifetime histogram when the window saw nothing. */
function windowP99(first: ParsedExposition, second: ParsedExposition, name: string): { value: number | null; window: LocksData['latencyWindow']; why: string } {
  const after = extractHistogram(second, name);
  if (!after) return { value: null, window: null, why: 'not exported' };
  const before = extractHistogram(first, name);
  const delta: HistogramSnapshot = before ? histogramDelta(after, before) : after;
  const [snapshot, window] = delta.count > 0 ? [delta, 'window' as const] : [after, 'lifetime' as const];
  const q = histogramQuantile(0.99, snapshot.buckets);
  return Number.isFinite(q) ? { value: q, window, why: '' } : { value: null, window: null, why: 'has no observations' };
}

/** Pure: status and summary from the lock figures. */
export function assessLocks(data: LocksData): CheckOutcome<LocksData> {
  const statuses: CheckStatus[] = [];
  const parts: string[] = [];
  if (data.lockTimeouts !== null && data.deadlocks !== null) {
    statuses.push(data.lockTimeouts + data.deadlocks > 0 ? 'critical' : 'ok');
    parts.push(`${data.lockTimeouts} lock timeout and ${data.deadlocks} deadlock line(s)`);
  }
  if (data.lockWaitP99Seconds !== null) {
    const w = data.lockWaitP99Seconds;
    statuses.push(w >= THRESHOLDS.lockWaitCriticalSeconds ? 'critical' : w >= THRESHOLDS.lockWaitWarningSeconds ? 'warning' : 'ok');
    parts.push(`lock wait p99 ${formatSeconds(w)}`);
  }
  if (data.putP99Seconds !== null) {
    statuses.push(data.putP99Seconds >= THRESHOLDS.putLatencyWarningSeconds ? 'warning' : 'ok');
    parts.push(`put p99 ${formatSeconds(data.putP99Seconds)}`);
  }
  if (data.slowQueries !== null) {
    statuses.push(data.slowQueries > 0 ? 'warning' : 'ok');
    parts.push(`${data.slowQueries} slow quer${data.slowQueries === 1 ? 'y' : 'ies'}`);
  }
  return partialOutcome(statuses, parts, data.unavailable, data);
}
