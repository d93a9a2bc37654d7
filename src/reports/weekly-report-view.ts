import { DIAGNOSIS_ACTIONS } from '../render/diagnosis-blocks';
import { actions, context, section, type ButtonSpec } from '../render/blocks';
import { THRESHOLDS } from '../diagnosis/thresholds';
import type { KnownBlock, View } from '../surfaces/view';
import type { NodeFigures } from './weekly-figures';

const MB = 1e6;
/** The runbook's figures for the weekly check, from the one place every threshold lives. */
export const REPORT_LIMITS = {
  sstExpected: THRESHOLDS.sstExpected,
  sstFailing: THRESHOLDS.sstFailing,
  pendingBytes: THRESHOLDS.pendingCompactionBytes,
  writeAmplification: THRESHOLDS.writeAmplification,
  diskFree: THRESHOLDS.diskFreeWarning,
} as const;

/** Each figure over a runbook threshold, as a short phrase. Pure. */
export function reportFlags(f: NodeFigures): string[] {
  const flags: string[] = [];
  if (f.sstFiles !== null && f.sstFiles > REPORT_LIMITS.sstFailing) flags.push('SST files > 500: compaction failing');
  else if (f.sstFiles !== null && f.sstFiles > REPORT_LIMITS.sstExpected) flags.push('SST files > 100');
  if (f.pendingBytes !== null && f.pendingBytes > REPORT_LIMITS.pendingBytes) flags.push('pending compaction > 10 GB');
  if (f.writeAmplification !== null && f.writeAmplification >= REPORT_LIMITS.writeAmplification) flags.push('write amplification >= 10');
  if (f.diskFreeFraction !== null && f.diskFreeFraction < REPORT_LIMITS.diskFree) flags.push('disk free < 20%');
  return flags;
}

/** Compaction is the runbook's remedy for the LSM figures (not for a full disk, which needs space first). */
export function wantsCompaction(f: NodeFigures): boolean {
  return (
    (f.sstFiles !== null && f.sstFiles > REPORT_LIMITS.sstExpected) ||
    (f.pendingBytes !== null && f.pendingBytes > REPORT_LIMITS.pendingBytes) ||
    (f.writeAmplification !== null && f.writeAmplification >= REPORT_LIMITS.writeAmplification)
  );
}

/** The report's Compact button: the same action and value as the diagnosis message's, so one handler serves both. */
export function reportCompactButton(node: string): ButtonSpec {
  return { text: `Compact ${node}`, actionId: DIAGNOSIS_ACTIONS.compact, value: JSON.stringify({ node }), style: 'primary' };
}

const num = (n: number, digits = 1) => n.toLocaleString('en-US', { maximumFractionDigits: digits });
function delta(now: number | null, before: number | null | undefined, scale = 1, digits = 1, unit = ''): string {
  if (now === null || before === null || before === undefined) return '';
  const d = (now - before) / scale;
  return Math.abs(d) < 10 ** -digits / 2 ? ' (=)' : ` (${d > 0 ? '+' : '−'}${num(Math.abs(d), digits)}${unit})`;
}

function nodeLines(f: NodeFigures, prev: NodeFigures | undefined): string[] {
  const na = 'not available';
  return [
    `SST files: ${f.sstFiles ?? na}${delta(f.sstFiles, prev?.sstFiles, 1, 0)}`,
    `Total: ${f.totalBytes === null ? na : `${num(f.totalBytes / MB)} MB`}${delta(f.totalBytes, prev?.totalBytes, MB, 1, ' MB')}`,
    `Pending compaction: ${f.pendingBytes === null ? na : `${num(f.pendingBytes / MB)} MB`}${delta(f.pendingBytes, prev?.pendingBytes, MB, 1, ' MB')}`,
    `Write amplification: ${f.writeAmplification === null ? na : num(f.writeAmplification)}${delta(f.writeAmplification, prev?.writeAmplification)}`,
    `Disk free: ${f.diskFreeFraction === null ? na : `${num(f.diskFreeFraction * 100)}%`}${delta(f.diskFreeFraction, prev?.diskFreeFraction, 0.01, 1, ' pts')}`,
  ];
}

/**
 * The runbook's weekly LSM health check for every node in one message: figures, the change since the last
 * posted report, each figure over a runbook threshold flagged, a Compact button where compaction is the remedy.
 * Pure: figures in, view out.
 */
export function weeklyReportView(figures: readonly NodeFigures[], previous: { period: string; figures: Map<string, NodeFigures> } | undefined, at: Date): View {
  const title = `*Weekly LSM health check* (runbook: SST files < 100, pending compaction < 10 GB, write amplification < 10, disk free >= 20%)`;
  const since = previous ? `Changes are since the report of ${previous.period}.` : 'No earlier report stored: changes show from next week on.';
  const flagged = figures.filter((f) => reportFlags(f).length > 0).map((f) => f.node);
  const overview = flagged.length ? `:warning: Over a threshold: ${flagged.join(', ')}` : ':white_check_mark: Every node within the runbook thresholds';
  const blocks: KnownBlock[] = [section(`${title}\n${overview}`)];
  const textParts = [title, overview];
  for (const f of figures) {
    const flags = reportFlags(f);
    const head = `${flags.length ? ':red_circle:' : ':large_green_circle:'} *${f.node}*${flags.length ? ` - ${flags.join('; ')}` : ''}`;
    const body = nodeLines(f, previous?.figures.get(f.node)).map((l) => `• ${l}`);
    if (f.unavailable.length) body.push(`• Not available: ${f.unavailable.join('; ')}`);
    blocks.push(section(`${head}\n${body.join('\n')}`));
    textParts.push(`${head}\n${body.join('\n')}`);
    if (wantsCompaction(f)) blocks.push(actions([reportCompactButton(f.node)], `report:compact:${f.node}`));
  }
  const footer = `${since} Figures read at ${at.toISOString()} from /v1/admin/storage/stats, /metrics and df.`;
  blocks.push(context(footer));
  textParts.push(`_${footer}_`);
  return { text: textParts.join('\n'), blocks: blocks.slice(0, 50) };
}
