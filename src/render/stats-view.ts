import type { StorageStats } from '../stemedb/stemedb-client';
import type { View } from '../surfaces/view';
import { context, section } from './blocks';

const MB = 1e6;

/** SST thresholds from the runbook's step 4: expected < 100, > 500 means compaction is failing. */
export function sstAssessment(count: number): string {
  if (count > 500) return 'compaction is failing (runbook: > 500)';
  if (count >= 100) return 'above the expected < 100';
  return 'within the expected < 100';
}

export function formatMb(bytes: number): string {
  return `${(bytes / MB).toLocaleString('en-US', { maximumFractionDigits: 1 })} MB`;
}

/** The runbook's weekly compaction report (`/v1/admin/storage/stats`): SST files, total MB, pending MB. */
export function statsView(node: string, stats: StorageStats, at: Date): View {
  const rows = [
    `SST files: *${stats.sst_file_count}* (${sstAssessment(stats.sst_file_count)})`,
    `Total size: *${formatMb(stats.total_bytes)}*`,
    `Pending compaction: *${formatMb(stats.pending_compaction_bytes)}*${stats.pending_compaction_bytes > 10e9 ? ' (over 10 GB: compaction lagging)' : ''}`,
  ];
  if (stats.compaction_running !== undefined) rows.push(`Compaction running: ${stats.compaction_running ? 'yes' : 'no'}`);
  const title = `*Compaction report for ${node}*`;
  const footer = `from ${node} /v1/admin/storage/stats at ${at.toISOString()}`;
  return {
    text: `${title}\n${rows.map((r) => `• ${r}`).join('\n')}\n_${footer}_`,
    blocks: [section(`${title}\n${rows.map((r) => `• ${r}`).join('\n')}`), context(footer)],
  };
}
