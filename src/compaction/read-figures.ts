import type { NodeConfig } from '../config/schema';
import { parseDf } from '../diagnosis/parsers/parse-df';
import { hostCommands, snapshotCommand } from '../diagnosis/host-commands';
import { executorForNode } from '../exec/executor-for-node';
import type { HostExecutor } from '../exec/host-executor';
import type { Logger } from '../ops/logger';
import { sumByLabel } from '../prometheus/metric-queries';
import { parseExposition } from '../prometheus/parse-exposition';
import type { MetricNames } from '../stemedb/metric-names';
import type { StemedbClient, StorageStats } from '../stemedb/stemedb-client';
import type { BackupFigures, CounterSnapshot, DiskFigures, LsmFigures } from './compaction-types';

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
  return (await readHostFigures(node, options)).disk;
}

/** Free space and the newest snapshot in `backupDir`, over one connection; never throws. */
export async function readHostFigures(
  node: NodeConfig,
  options: { timeoutMs: number; log?: Logger; executor?: HostExecutor },
): Promise<{ disk: DiskFigures; backup: BackupFigures }> {
  const snapshot = snapshotCommand(node, options.timeoutMs);
  const unreadable = (reason: string): BackupFigures =>
    node.backupDir ? { configured: true, dir: node.backupDir, available: false, reason } : { configured: false };
  try {
    const session = await (options.executor ?? executorForNode(node, options.log)).connect();
    try {
      const [df, newest] = await Promise.all([
        session.run(hostCommands(node, { logWindowMinutes: 1, timeoutMs: options.timeoutMs }).df),
        snapshot ? session.run(snapshot).then((r) => readSnapshot(node.backupDir!, r)) : Promise.resolve<BackupFigures>({ configured: false }),
      ]);
      const usage = df.code === 0 ? parseDf(df.stdout) : undefined;
      const disk: DiskFigures = usage
        ? { available: true, freeFraction: usage.freeFraction, availBytes: usage.availBytes, sizeBytes: usage.sizeBytes }
        : { available: false, reason: df.timedOut ? 'df timed out' : `df failed: ${firstLine(df)}` };
      return { disk, backup: newest };
    } finally {
      await session.close().catch(() => undefined);
    }
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return { disk: { available: false, reason }, backup: unreadable(reason) };
  }
}

function firstLine(r: { stdout: string; stderr: string; code: number | null }): string {
  return (r.stderr || r.stdout).trim().split('\n')[0]?.slice(0, 200) || `exit ${r.code}`;
}

/** `<mtime seconds> <name>` from the snapshot command; an empty dir has no snapshot, which is said, not hidden. */
function readSnapshot(dir: string, r: { stdout: string; stderr: string; code: number | null; timedOut: boolean }): BackupFigures {
  if (r.timedOut) return { configured: true, dir, available: false, reason: 'listing it timed out' };
  if (r.code !== 0) return { configured: true, dir, available: false, reason: `cannot list it: ${firstLine(r)}` };
  const match = /^(\d+(?:\.\d+)?) (.+)$/.exec(r.stdout.trim());
  if (!match) return { configured: true, dir, available: false, reason: r.stdout.trim() === '' ? 'it holds no snapshot' : 'unexpected listing' };
  return { configured: true, dir, available: true, name: match[2]!, takenAt: new Date(Number(match[1]) * 1000).toISOString() };
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
