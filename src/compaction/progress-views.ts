import { actions, context, section, type ButtonSpec } from '../render/blocks';
import { DIAGNOSIS_ACTIONS } from '../render/diagnosis-blocks';
import { formatBytes, formatPercent } from '../render/format';
import type { KnownBlock, View } from '../surfaces/view';
import type { ConditionState, ErrorRateReading } from './closed-loop';
import { progressFraction } from './compaction-watch';
import { actorMention, type LsmFigures } from './compaction-types';
import { formatClock, formatDuration, formatSince } from './time-text';

/** The run a message is about. */
export interface RunInfo {
  node: string;
  force: boolean;
  holder: string;
  incidentId: string | null;
  startedAt: string;
  before: LsmFigures | null;
}

/**
 * `▓▓▓▓▓▓░░░░░░░░░░░░░░ 30%`: monospace in Slack, readable in a terminal.
 * @example progressBar(0.3, 10) // '▓▓▓░░░░░░░ 30%'
 */
export function progressBar(fraction: number, width = 20): string {
  const f = Math.min(1, Math.max(0, fraction));
  const filled = Math.round(f * width);
  return `${'▓'.repeat(filled)}${'░'.repeat(width - filled)} ${Math.floor(f * 100)}%`;
}

function escalateButton(run: Pick<RunInfo, 'node' | 'incidentId'>): ButtonSpec {
  return {
    text: 'Escalate',
    actionId: DIAGNOSIS_ACTIONS.escalate,
    value: JSON.stringify({ node: run.node, ...(run.incidentId ? { incidentId: run.incidentId } : {}) }),
    style: 'danger',
  };
}

function view(text: string, options: { footer?: string; buttons?: ButtonSpec[]; progress?: boolean; node?: string } = {}): View {
  const blocks: KnownBlock[] = [section(text)];
  if (options.buttons?.length) blocks.push(actions(options.buttons, `compaction:${options.node ?? ''}`));
  if (options.footer) blocks.push(context(options.footer));
  return { text: options.footer ? `${text}\n_${options.footer}_` : text, blocks, ...(options.progress ? { progress: true } : {}) };
}

function who(run: RunInfo): string {
  return `${actorMention({ userId: run.holder })}${run.force ? ', force' : ''}`;
}

/** "SST files 520 (was 812) · pending compaction 4.8 GB (was 8.0 GB) · total 33 GB". */
function figuresLine(last: LsmFigures, before: LsmFigures | null): string {
  const was = (b: number | undefined, fmt: (n: number) => string) => (b === undefined ? '' : ` (was ${fmt(b)})`);
  const count = (n: number) => n.toLocaleString('en-US');
  return `SST files ${count(last.sstFiles)}${was(before?.sstFiles, count)} · pending compaction ${formatBytes(last.pendingBytes)}${was(before?.pendingBytes, formatBytes)} · total ${formatBytes(last.totalBytes)}`;
}

export function startingView(run: RunInfo): View {
  return view(`:hourglass_flowing_sand: *Starting compaction of ${run.node}* (${who(run)})…`, { progress: true });
}

/** The message while it runs; updated every `compaction.progressInterval`. */
export function progressView(run: RunInfo, last: LsmFigures | null, lastError: string | null, now: Date, note?: string): View {
  const lines = [`:hourglass_flowing_sand: *Compacting ${run.node}* (${who(run)}) since ${formatSince(run.startedAt, now)}`];
  if (last) {
    const fraction = progressFraction(run.before, last);
    if (fraction !== null) lines.push(`\`${progressBar(fraction)}\``);
    lines.push(figuresLine(last, run.before));
  }
  if (lastError) lines.push(`:warning: last read failed: ${lastError} (retrying)`);
  if (note) lines.push(`_${note}_`);
  return view(lines.join('\n'), { footer: `from ${run.node} /v1/admin/storage/stats${last ? ` at ${formatClock(last.at)}` : ''}`, progress: true });
}

function beforeAfter(before: LsmFigures | null, after: LsmFigures): string[] {
  const arrow = (b: string | undefined, a: string) => (b === undefined ? a : `${b} → ${a}`);
  const count = (n: number) => n.toLocaleString('en-US');
  return [
    `• SST files: ${arrow(before ? count(before.sstFiles) : undefined, count(after.sstFiles))}`,
    `• Total size: ${arrow(before ? formatBytes(before.totalBytes) : undefined, formatBytes(after.totalBytes))}`,
    `• Pending compaction: ${arrow(before ? formatBytes(before.pendingBytes) : undefined, formatBytes(after.pendingBytes))}`,
  ];
}

export function summaryView(run: RunInfo, after: LsmFigures, durationMs: number, note?: string): View {
  const lines = [
    `:white_check_mark: *Compaction of ${run.node} finished* in ${formatDuration(durationMs)} (run by ${who(run)})`,
    ...beforeAfter(run.before, after),
  ];
  if (note) lines.push(`_${note}_`);
  return view(lines.join('\n'), { footer: `started ${formatClock(run.startedAt)}, finished ${formatClock(after.at)}` });
}

export function failedView(run: RunInfo, error: string): View {
  const lines = [`:x: *Compaction of ${run.node} failed* (run by ${who(run)}): ${error}`];
  if (run.before) lines.push(`Figures before: ${figuresLine(run.before, null)}`);
  lines.push('Nothing is compacting now. Check the node, or escalate.');
  return view(lines.join('\n'), { buttons: [escalateButton(run)], node: run.node });
}

export function timedOutView(run: RunInfo, last: LsmFigures | null, lastError: string | null, timeoutMs: number): View {
  const lines = [
    `:warning: *Compaction of ${run.node} did not finish within ${formatDuration(timeoutMs)}* (run by ${who(run)}); it may still be running on the node.`,
  ];
  lines.push(last ? `Last figures (${formatClock(last.at)}): ${figuresLine(last, run.before)}` : 'No figures could be read while it ran.');
  if (lastError) lines.push(`Last read failed: ${lastError}`);
  return view(lines.join('\n'), { buttons: [escalateButton(run)], node: run.node });
}

/** The bot lost track (restarted after the lock expired, or while starting): what it last saw. */
export function interruptedView(run: RunInfo, last: LsmFigures | null, reason: string, now: Date): View {
  const lines = [`:warning: *Lost track of the compaction of ${run.node}* (run by ${who(run)}, started ${formatSince(run.startedAt, now)}): ${reason}`];
  lines.push(last ? `Last seen at ${formatClock(last.at)}: ${figuresLine(last, run.before)}` : 'No progress figures were recorded.');
  lines.push('Check `/stemedb stats` before compacting again, or escalate.');
  return view(lines.join('\n'), { buttons: [escalateButton(run)], node: run.node });
}

const CONDITION_TEXT: Record<ConditionState, string> = {
  cleared: ":white_check_mark: *The alert's condition has cleared*: storage errors are below 1% of operations.",
  persists: ":warning: *The alert's condition persists*: storage errors are still above 1% of operations.",
  worse: ':rotating_light: *It got worse*: the error rate is higher than before the compaction.',
  unknown: ':grey_question: *Could not tell whether the alert cleared*: the error rate could not be measured.',
};

/** The same re-check when no alert is open on the node: the runbook's 1% line, not "the alert". */
const THRESHOLD_TEXT: Record<ConditionState, string> = {
  cleared: ":white_check_mark: *Storage errors are below 1% of operations* (the runbook's alert line; no alert is open for this node).",
  persists: ":warning: *Storage errors are still above 1% of operations* (the runbook's alert line; no alert is open for this node).",
  worse: ':rotating_light: *It got worse*: the error rate is higher than before the compaction.',
  unknown: ':grey_question: *Could not measure the error rate after the compaction.*',
};

/**
 * After the compaction: the re-check of the error rate and the LSM figures, with Escalate unless it cleared.
 * `alertname`: the alert open on the node, if any; without one, nothing "cleared" that never fired.
 */
export function closedLoopView(
  run: RunInfo,
  state: ConditionState,
  before: { errorRate: number | null; source: string | null },
  after: ErrorRateReading | { error: string },
  lsm: LsmFigures | null,
  alertname: string | null = null,
): View {
  const headline = alertname ? CONDITION_TEXT[state] : THRESHOLD_TEXT[state];
  const lines = [`*Re-check of ${run.node} after compaction*`, headline];
  const beforeText = before.errorRate === null ? 'not measured' : `${formatPercent(before.errorRate)}${before.source ? ` (${before.source})` : ''}`;
  lines.push(
    'error' in after
      ? `• Error rate now: not available (${after.error}); before: ${beforeText}`
      : `• Error rate now: ${formatPercent(after.errorRate)} over ${after.windowSeconds.toFixed(1)}s; before: ${beforeText}`,
  );
  if (lsm) lines.push(`• LSM: ${figuresLine(lsm, run.before)}`);
  if (state !== 'cleared') lines.push('Compaction alone did not fix it: run `/stemedb diagnose` for the other causes, or escalate.');
  return view(lines.join('\n'), { buttons: state === 'cleared' ? [] : [escalateButton(run)], node: run.node });
}
