import type { Config, NodeConfig } from '../config/schema';
import type { MetricNames } from '../stemedb/metric-names';

/** What chart data reads: Prometheus (config) and the metric names. */
export interface ChartDataDeps {
  config: Config;
  metricNames: MetricNames;
}
import { queryRange, type RangeSeries } from '../prometheus/query-range';
import type { NodeChartData, Series } from './chart-types';
import { seriesFromSamples, type SampleHistory } from './sample-history';

/** Prometheus's `instance` label of the node's scrape target (the API's host:port), as the diagnosis uses. */
export function instanceOf(node: NodeConfig): string {
  const api = new URL(node.apiUrl);
  return `${api.hostname}:${api.port || (api.protocol === 'https:' ? '443' : '80')}`;
}

const MARGIN_MS = 30_000;
const MIN_SAMPLE_WINDOW_MS = 3 * 60_000;

/** About 240 points across the window, never finer than Prometheus's usual 15 s scrape. */
export const stepFor = (fromMs: number, toMs: number) => Math.max(15, Math.ceil((toMs - fromMs) / 1000 / 240));

/**
 * A node's chart data for a window: from Prometheus `query_range` when `prometheus.url` is set (disk free and
 * SST files, which StemeDB does not export to Prometheus, from the bot's samples), else all from the bot's
 * samples. A Prometheus failure falls back to the samples and says so in `missing`.
 */
export async function readChartData(
  services: ChartDataDeps,
  history: SampleHistory,
  node: NodeConfig,
  window: { fromMs: number; toMs: number },
  sampleNote = 'the bot samples a node every 15-30 s while it has an open incident',
): Promise<NodeChartData> {
  const own = seriesFromSamples(history.samples(node.name, window.fromMs, window.toMs));
  const base = { node: node.name, ...window, diskFreeFraction: own.diskFree, sstFiles: own.sst };
  const prometheus = services.config.prometheus?.url;
  if (prometheus) {
    try {
      const read = await fromPrometheus(services, prometheus, node, window);
      const missing =
        read.errorRate.points.length < 2
          ? [`error rate: Prometheus has no ${services.metricNames.operations} series for instance="${instanceOf(node)}" in this window`]
          : [];
      return { ...base, source: 'prometheus', ...read, missing };
    } catch (err) {
      const why = (err as Error).message;
      return {
        ...base,
        source: 'samples',
        ...ownRates(own),
        missing:
          own.errorRate.points.length < 2
            ? [`error rate: Prometheus failed (${why}) and ${sampleNote}, with too few samples of ${node.name} so far`]
            : [`Prometheus failed: ${why}`],
      };
    }
  }
  // The samples start when the incident did (or the demo did): a window of mostly nothing would squash them.
  const first = history.samples(node.name, window.fromMs, window.toMs)[0]?.atMs;
  if (first !== undefined) base.fromMs = Math.max(window.fromMs, Math.min(first - MARGIN_MS, window.toMs - MIN_SAMPLE_WINDOW_MS));
  const missing =
    own.errorRate.points.length < 2
      ? [
          `error rate: ${own.errorRate.points.length === 0 ? 'no' : 'only one'} reading of ${node.name} in the bot's samples (no prometheus.url configured; ${sampleNote})`,
        ]
      : [];
  return { ...base, source: 'samples', ...ownRates(own), missing };
}

function ownRates(
  own: ReturnType<typeof seriesFromSamples>,
): Pick<NodeChartData, 'errorRate' | 'errorRateByOperation' | 'pendingCompactionBytes' | 'putP99Seconds' | 'lockWaitP99Seconds'> {
  return {
    errorRate: own.errorRate,
    errorRateByOperation: own.byOperation,
    pendingCompactionBytes: own.pending,
    putP99Seconds: own.putP99,
    lockWaitP99Seconds: own.lockWaitP99,
  };
}

async function fromPrometheus(services: ChartDataDeps, url: string, node: NodeConfig, window: { fromMs: number; toMs: number }) {
  const sel = `{instance="${instanceOf(node)}"}`;
  const n = services.metricNames;
  const range = { ...window, stepSeconds: stepFor(window.fromMs, window.toMs) };
  const q = (promql: string) => queryRange(url, promql, range, { timeoutMs: services.config.stemedb.requestTimeout });
  const rate = (m: string) => `rate(${m}${sel}[5m])`;
  const [overall, byOp, pending, put, lock] = await Promise.all([
    q(`sum(${rate(n.operationErrors)}) / sum(${rate(n.operations)})`),
    q(`sum by (operation) (${rate(n.operationErrors)}) / sum by (operation) (${rate(n.operations)})`),
    q(`sum(${n.pendingCompactionBytes}${sel})`),
    q(`histogram_quantile(0.99, sum by (le) (rate(${n.putDuration}_bucket${sel}[5m])))`),
    q(`histogram_quantile(0.99, sum by (le) (rate(${n.lockWait}_bucket${sel}[5m])))`),
  ]);
  const one = (name: string, result: RangeSeries[]): Series => ({ name, points: result[0]?.points ?? [] });
  return {
    errorRate: one('all operations', overall),
    errorRateByOperation: byOp.map((s) => ({ name: s.labels.operation ?? '(no operation label)', points: s.points })),
    pendingCompactionBytes: one('pending bytes', pending),
    putP99Seconds: one('put p99', put),
    lockWaitP99Seconds: one('lock wait p99', lock),
  };
}
