import type { Config, NodeConfig } from '../config/schema';
import type { Logger } from '../ops/logger';
import type { MetricNames } from '../stemedb/metric-names';
import type { StemedbClient } from '../stemedb/stemedb-client';
import { readDiskFigures } from '../compaction/read-figures';
import { lookupValue } from '../prometheus/metric-queries';
import { parseExposition } from '../prometheus/parse-exposition';
import type { NodeFigures } from './node-figures';

export type { NodeFigures } from './node-figures';

const reasonOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Reads storage stats, the write-amplification gauge and `df` of every node at once; never throws. */
/** What the weekly figures read. */
export interface WeeklyFiguresDeps {
  config: Config;
  log: Logger;
  metricNames: MetricNames;
  stemedb(node: NodeConfig): StemedbClient;
}

export async function readWeeklyFigures(services: WeeklyFiguresDeps, nodes: readonly NodeConfig[] = services.config.stemedb.nodes): Promise<NodeFigures[]> {
  return Promise.all(nodes.map((node) => readNode(services, node)));
}

async function readNode(services: WeeklyFiguresDeps, node: NodeConfig): Promise<NodeFigures> {
  const client = services.stemedb(node);
  const timeoutMs = services.config.diagnosis.checkTimeoutSeconds * 1000;
  const [stats, scrape, disk] = await Promise.allSettled([
    client.storageStats(),
    client.metricsText().then(parseExposition),
    readDiskFigures(node, { timeoutMs, log: services.log }),
  ]);
  const unavailable: string[] = [];
  if (stats.status === 'rejected') unavailable.push(`storage stats: ${reasonOf(stats.reason)}`);
  let amplification: number | null = null;
  if (scrape.status === 'fulfilled') {
    amplification = lookupValue(scrape.value, services.metricNames.writeAmplification)?.value ?? null;
    if (amplification === null) unavailable.push(`write amplification: ${services.metricNames.writeAmplification} not exported`);
  } else unavailable.push(`write amplification: ${reasonOf(scrape.reason)}`);
  const df = disk.status === 'fulfilled' ? disk.value : { available: false as const, reason: reasonOf(disk.reason) };
  if (!df.available) unavailable.push(`disk free: ${df.reason}`);
  const s = stats.status === 'fulfilled' ? stats.value : undefined;
  return {
    node: node.name,
    sstFiles: s?.sst_file_count ?? null,
    totalBytes: s?.total_bytes ?? null,
    pendingBytes: s?.pending_compaction_bytes ?? null,
    writeAmplification: amplification,
    diskFreeFraction: df.available ? df.freeFraction : null,
    unavailable,
  };
}
