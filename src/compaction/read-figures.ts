import type { NodeConfig } from '../config/schema';
import { parseDf } from '../diagnosis/parsers/parse-df';
import { hostCommands } from '../diagnosis/host-commands';
import { executorForNode } from '../exec/executor-for-node';
import type { HostExecutor } from '../exec/host-executor';
import type { Logger } from '../ops/logger';
import { sumByLabel } from '../prometheus/metric-queries';
import { parseExposition } from '../prometheus/parse-exposition';
import type { MetricNames } from '../stemedb/metric-names';
import type { StemedbClient, StorageStats } from '../stemedb/stemedb-client';
import type { CounterSnapshot, DiskFigures, LsmFigures } from './compaction-types';

/** The stats answer as the figures a compaction message shows. */
export function lsmFromStats(stats: StorageStats, at: Date): LsmFigures {
  return {
    sstFiles: stats.sst_file_count,
    totalBytes: stats.total_bytes,
    pendingBytes: stats.pending_compaction_bytes,
    running: stats.compaction_running ?? null,
    at: at.toISOString(),
  };
}

export async function readLsmFigures(client: StemedbClient, now: () => Date, signal?: AbortSignal): Promise<LsmFigures> {
  return lsmFromStats(await client.storageStats(signal), now());
}

/** Free space of the node's data dir (`df`, over SSH or locally); never throws. */
export async function readDiskFigures(node: NodeConfig, options: { timeoutMs: number; log?: Logger; executor?: HostExecutor }): Promise<DiskFigures> {
  try {
    const session = await (options.executor ?? executorForNode(node, options.log)).connect();
    try {
      const result = await session.run(hostCommands(node, { logWindowMinutes: 1, timeoutMs: options.timeoutMs }).df);
      const usage = result.code === 0 ? parseDf(result.stdout) : undefined;
      if (!usage) return { available: false, reason: result.timedOut ? 'df timed out' : `df failed: ${(result.stderr || result.stdout).trim().split('\n')[0] || `exit ${result.code}`}` };
      return { available: true, freeFraction: usage.freeFraction, availBytes: usage.availBytes, sizeBytes: usage.sizeBytes };
    } finally {
      await session.close().catch(() => undefined);
    }
  } catch (err) {
    return { available: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

/** One scrape of the error and operation counters, by operation. Rejects when they are not exported. */
export async function readCounters(client: StemedbClient, names: MetricNames, signal?: AbortSignal): Promise<CounterSnapshot> {
  const atMs = Date.now();
  const scrape = parseExposition(await client.metricsText(signal));
  const errors = sumByLabel(scrape, names.operationErrors, 'operation');
  const operations = sumByLabel(scrape, names.operations, 'operation');
  const missing = [!errors && names.operationErrors, !operations && names.operations].filter(Boolean);
  if (!errors || !operations) throw new Error(`${missing.join(' and ')} not exported`);
  return { atMs, errors: Object.fromEntries(errors), operations: Object.fromEntries(operations) };
}
