import { findingLabel } from '../diagnosis/verdict';
import { CHECK_IDS, CHECK_TITLES, type CheckId, type CheckResult, type CheckStatus, type DiagnosisResult, type Severity } from '../diagnosis/types';
import type { KnownBlock, View } from '../surfaces/view';
import { actions, blocksSize, clip, context, divider, header, LIMITS, section, type ButtonSpec } from './blocks';
import { diagnosisText, progressText } from './diagnosis-text';

export const STATUS_EMOJI: Record<CheckStatus | 'running', string> = {
  ok: ':large_green_circle:',
  warning: ':large_yellow_circle:',
  critical: ':red_circle:',
  unknown: ':white_circle:',
  running: ':hourglass_flowing_sand:',
};

const SEVERITY_EMOJI: Record<Severity, string> = { critical: ':rotating_light:', warning: ':warning:', ok: ':white_check_mark:' };

/** Button action ids; the value carries the node (and incident when there is one). */
export const DIAGNOSIS_ACTIONS = {
  compact: 'diagnosis_compact',
  escalate: 'diagnosis_escalate',
  slowQueries: 'diagnosis_slow_queries',
  rerun: 'diagnosis_rerun',
} as const;

export interface ActionContext {
  node: string;
  incidentId?: string;
}

/**
 * Summaries, evidence and steps carry text from the host (paths, kernel lines, error messages): Slack's control
 * characters are escaped so none of it becomes a mention (`<!channel>`) or a link (the runbook's `<device>`).
 */
function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function checkLine(id: CheckId, result: CheckResult | undefined): string {
  if (!result) return `${STATUS_EMOJI.running} *${CHECK_TITLES[id]}*: running…`;
  return `${STATUS_EMOJI[result.status]} *${CHECK_TITLES[id]}*: ${esc(result.summary)} _(${(result.durationMs / 1000).toFixed(1)}s)_`;
}

/** The message while checks are still running: one line per step, filled in as each completes. */
export function diagnosisProgressView(node: string, done: readonly CheckResult[]): View {
  const byId = new Map(done.map((c) => [c.id, c]));
  const lines = CHECK_IDS.map((id) => checkLine(id, byId.get(id)));
  return {
    text: progressText(node, done),
    blocks: [section(`:mag: *Diagnosing ${node}…* (partial: ${done.length} of ${CHECK_IDS.length} steps done)`), section(lines.join('\n'))],
    progress: true,
  };
}

/** The final Block Kit message: verdict, one section per step, evidence, the runbook's steps, buttons. */
export function diagnosisView(result: DiagnosisResult, ctx: ActionContext = { node: result.node }): View {
  const { verdict } = result;
  const primary = verdict.causes[0]!;
  const blocks: KnownBlock[] = [
    header(`${SEVERITY_EMOJI[verdict.severity]} ${result.node}: ${findingLabel(primary)} (${verdict.severity})`),
    section(
      `*${esc(verdict.summary)}*${verdict.escalate ? `\n:rotating_light: *Escalate immediately* (runbook): ${esc(verdict.escalateReasons.join('; '))}` : ''}`,
    ),
    section(
      CHECK_IDS.map((id) =>
        checkLine(
          id,
          result.checks.find((c) => c.id === id),
        ),
      ).join('\n'),
    ),
    divider(),
  ];
  for (const cause of verdict.causes.slice(0, 4)) {
    blocks.push(section(`*Evidence for ${findingLabel(cause)}*\n${cause.evidence.map((e) => `• ${esc(e)}`).join('\n')}`));
  }
  for (const rec of result.recommendations.slice(0, 5)) {
    blocks.push(section(`*What to do: ${esc(rec.title)}*\n${rec.steps.map((s, i) => `${i + 1}. \`${esc(s.replace(/`/g, "'"))}\``).join('\n')}`));
  }
  blocks.push(actions(buttonsFor(result, ctx), `diagnosis:${result.node}`));
  blocks.push(context(`Diagnosed in ${(result.durationMs / 1000).toFixed(1)}s at ${result.startedAt} · runbook: High Storage Error Rate`));
  return { text: clip(diagnosisText(result), 3500), blocks: fitBlocks(blocks) };
}

function buttonsFor(result: DiagnosisResult, ctx: ActionContext): ButtonSpec[] {
  const value = JSON.stringify(ctx);
  const wantsCompact = result.recommendations.some((r) => r.action === 'compact');
  // No Compact on a corrupted store or a failing disk: the runbook rebuilds or fails over there, never compacts.
  const compactHarms = result.verdict.causes.some((c) => c.cause === 'lsm_corruption' || c.cause === 'disk_hardware');
  return [
    ...(compactHarms ? [] : [{ text: 'Compact', actionId: DIAGNOSIS_ACTIONS.compact, value, ...(wantsCompact ? { style: 'primary' as const } : {}) }]),
    { text: 'Escalate', actionId: DIAGNOSIS_ACTIONS.escalate, value, ...(result.verdict.escalate ? { style: 'danger' as const } : {}) },
    { text: 'Slow queries', actionId: DIAGNOSIS_ACTIONS.slowQueries, value },
    { text: 'Run again', actionId: DIAGNOSIS_ACTIONS.rerun, value },
  ];
}

/** Keeps a message within Slack's limits by dropping detail sections from the end, never the buttons. */
export function fitBlocks(blocks: KnownBlock[]): KnownBlock[] {
  const out = [...blocks];
  while ((out.length > LIMITS.blocks || blocksSize(out) > LIMITS.totalChars - 500) && out.length > 4) {
    out.splice(out.length - 3, 1);
  }
  return out;
}
