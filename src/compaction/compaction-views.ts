import { z } from 'zod';
import { actions, context, section } from '../render/blocks';
import { formatBytes, formatPercent } from '../render/format';
import type { View } from '../surfaces/view';
import { counterSnapshotSchema, type DiskFigures, type LsmFigures } from './compaction-types';
import type { Preconditions } from './preconditions';

/** Action ids of the confirmation's buttons. */
export const COMPACTION_ACTIONS = { confirm: 'compaction_confirm', cancel: 'compaction_cancel' } as const;

/**
 * What a confirmation stands for: everything the run needs. Kept server-side as a pending action (so it
 * survives a restart); the Confirm and Cancel buttons carry only the pending action's opaque id.
 */
export const confirmValueSchema = z.object({
  requestId: z.string().min(8).max(64),
  node: z.string(),
  force: z.boolean(),
  incidentId: z.string().optional(),
  channel: z.string().optional(),
  threadTs: z.string().optional(),
  /** When the figures were shown; an old confirmation is refused. */
  issuedAtMs: z.number(),
  /** Counters read with the figures: the error rate before the run is measured from here to the POST. */
  counters: counterSnapshotSchema.optional(),
});
export type ConfirmValue = z.infer<typeof confirmValueSchema>;

/** Reads a stored confirmation back (zod at the store boundary too: an old or edited row is refused). */
export function parseConfirmValue(value: unknown): ConfirmValue | undefined {
  const parsed = confirmValueSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

function figureLines(node: string, force: boolean, lsm: LsmFigures | null, disk: DiskFigures): string[] {
  return [
    `Node: *${node}*`,
    `Force: *${force ? 'yes' : 'no'}* (\`{"force": ${force}}\`)`,
    `Disk free: *${disk.available ? `${formatPercent(disk.freeFraction, 1)} (${formatBytes(disk.availBytes)} of ${formatBytes(disk.sizeBytes)})` : `unknown (${disk.reason})`}*`,
    `SST files: *${lsm ? lsm.sstFiles.toLocaleString('en-US') : 'not available'}*`,
    `Pending compaction: *${lsm ? formatBytes(lsm.pendingBytes) : 'not available'}*${lsm ? ` · total ${formatBytes(lsm.totalBytes)}` : ''}`,
  ];
}

function backupLines(pre: Preconditions): string[] {
  return (pre.backupLines ?? []).map((l) => `• ${l}`);
}

function warningLines(pre: Preconditions): string[] {
  return pre.warnings.map((w) => `:warning: ${w}`);
}

/** The confirm step: the figures read just now, warnings, and Confirm / Cancel (both carry `pendingId` only). */
export function confirmView(pre: Preconditions, value: ConfirmValue, pendingId: string): View {
  const lines = [
    `*Compact ${value.node}?* Figures read just now:`,
    ...figureLines(value.node, value.force, pre.lsm, pre.disk).map((l) => `• ${l}`),
    ...backupLines(pre),
    ...warningLines(pre),
  ];
  const body = lines.join('\n');
  const footer = 'Starts `POST /v1/admin/storage/compact`; progress is posted in the thread. One compaction per node at a time.';
  return {
    text: `${body}\n${footer}`,
    blocks: [
      section(body),
      actions(
        [
          { text: `Compact ${value.node}`, actionId: COMPACTION_ACTIONS.confirm, value: pendingId, style: 'danger' },
          { text: 'Cancel', actionId: COMPACTION_ACTIONS.cancel, value: pendingId },
        ],
        `compaction_confirm:${value.node}`,
      ),
      context(footer),
    ],
  };
}

/** The shell has no buttons: the same figures, and how to go ahead. */
export function shellConfirmView(pre: Preconditions, node: string, force: boolean): View {
  const lines = [
    `Compact ${node}? Figures read just now:`,
    ...figureLines(node, force, pre.lsm, pre.disk).map((l) => `• ${l}`),
    ...backupLines(pre),
    ...warningLines(pre),
  ];
  const text = `${lines.join('\n')}\nNothing was changed. To go ahead, run: compact ${node}${force ? ' --force' : ''} --yes`;
  return { text, blocks: [section(text)] };
}

export function dryRunView(pre: Preconditions, node: string, force: boolean): View {
  const verdict = pre.ready
    ? `Would send \`POST /v1/admin/storage/compact\` with \`{"force": ${force}}\` to ${node}, then watch \`/v1/admin/storage/stats\` until pending compaction reaches 0.`
    : `Would *not* compact now:\n${pre.blockers.map((b) => `• ${b}`).join('\n')}`;
  const text = [
    `*Dry run: compact ${node}*`,
    ...figureLines(node, force, pre.lsm, pre.disk).map((l) => `• ${l}`),
    ...backupLines(pre),
    ...warningLines(pre),
    verdict,
    '_Dry run: nothing was changed._',
  ].join('\n');
  return { text, blocks: [section(text)] };
}

/** Preconditions failed: why, with the figures that could be read. */
export function blockedView(pre: Preconditions, node: string, force: boolean): View {
  const text = [
    `:no_entry: *Cannot compact ${node} now*`,
    ...pre.blockers.map((b) => `• ${b}`),
    ...warningLines(pre),
    ...(pre.lsm ? [`_${figureLines(node, force, pre.lsm, pre.disk).slice(2).join(' · ')}_`] : []),
  ].join('\n');
  return { text, blocks: [section(text)] };
}

export function plainView(text: string): View {
  return { text, blocks: [section(text)] };
}
