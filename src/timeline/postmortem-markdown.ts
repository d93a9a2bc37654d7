import { formatDuration } from '../alerts/alert-format';
import type { Incident } from '../incidents/incident-store';
import { formatPercent } from '../render/format';
import { toPlainText } from '../shell/plain-text';
import type { MetricsPeak } from './impact-from-prometheus';
import type { IncidentFigures } from './incident-figures';
import { ofKind, type TimelineEntry } from './timeline-events';
import { describeEntry, timelineLines, who } from './timeline-text';

export interface PostmortemInput {
  incident: Incident;
  entries: readonly TimelineEntry[];
  figures: IncidentFigures;
  /** The runbook's resolution steps for the diagnosed cause (titles), from the incident's last diagnosis. */
  runbookSteps: { title: string; steps: string[] }[];
  /** The alert expression's peak over the window from Prometheus; undefined without `prometheus.url`. */
  metricsPeak?: MetricsPeak;
  generatedAt: Date;
}

const utc = (iso: string | null) => (iso ? `${iso.slice(0, 19).replace('T', ' ')} UTC` : 'not yet');
const span = (ms: number | null) => (ms === null ? 'n/a' : formatDuration(ms));
/** Slack mrkdwn to Markdown table-cell text: plain, no pipes or line breaks. */
const cell = (mrkdwn: string) =>
  toPlainText(mrkdwn)
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ');

/**
 * The postmortem draft as Markdown: what the timeline knows, filled in; what only people know, left as empty
 * sections. Pure: the same log gives the same draft, so `/stemedb postmortem` can regenerate it.
 */
export function postmortemMarkdown({ incident, entries, figures: f, runbookSteps, metricsPeak, generatedAt }: PostmortemInput): string {
  const out: string[] = [];
  out.push(`# Postmortem draft: ${cell(incident.title)} (${incident.id})`, '');
  out.push(`_Drafted by stemedb-chatops from the incident timeline at ${utc(generatedAt.toISOString())}. Edit freely._`, '');
  out.push('## Summary', '');
  out.push(
    `- Node: ${incident.node ?? 'not in the inventory'}; alert: ${incident.alertname ?? 'none (opened by hand)'}; severity: ${incident.severity ?? 'n/a'}`,
  );
  out.push(`- Likely cause (last diagnosis): ${f.cause}`);
  out.push(`- Status: ${incident.status}${f.resolvedBy ? `, resolved by ${cell(who(f.resolvedBy))}` : ''}`);
  out.push(`- Highest escalation level paged: ${f.highestLevel ? `${f.highestLevel.level} (${f.highestLevel.name ?? 'unnamed'})` : 'none'}`, '');
  out.push('## Impact', '');
  out.push(
    `- Impact window: ${utc(f.impactStart)} to ${utc(f.impactEnd)} (${span(f.impactEnd ? Date.parse(f.impactEnd) - Date.parse(f.impactStart) : null)}); start and end are Alertmanager's times for the alert rule (storage errors > 1% of operations)${ofKind(entries, 'alert_fired').length ? '' : ", or the incident's opening and resolve when it had no alert"}.`,
  );
  if (metricsPeak)
    out.push(
      `- Peak error rate in Prometheus (errors / operations, 5-minute rate, over the window): ${'rate' in metricsPeak ? formatPercent(metricsPeak.rate) : `not available (${cell(metricsPeak.unavailable)})`}`,
    );
  out.push(
    `- Peak error rate measured by the bot: ${f.peakErrorRate ? `${formatPercent(f.peakErrorRate.rate)} at ${utc(f.peakErrorRate.at)}` : 'not available (no measurement recorded)'}`,
    '',
  );
  out.push('## Key times', '');
  out.push('| moment | time | since detection |', '|---|---|---|');
  out.push(`| detection | ${utc(f.detectedAt)} | 0s |`);
  out.push(`| acknowledgement | ${utc(f.acknowledgedAt)}${f.acknowledgedBy ? ` by ${cell(who(f.acknowledgedBy))}` : ''} | ${span(f.timeToAckMs)} |`);
  out.push(`| mitigation | ${utc(f.mitigatedAt)} | ${span(f.timeToMitigateMs)} |`);
  out.push(`| resolution | ${utc(f.resolvedAt)} | ${span(f.timeToResolveMs)} |`, '');
  out.push(`Time to acknowledge: ${span(f.timeToAckMs)}. Time to mitigate: ${span(f.timeToMitigateMs)}. Time to resolve: ${span(f.timeToResolveMs)}.`, '');
  out.push('## Timeline', '');
  out.push('| time (UTC) | since opening | event |', '|---|---|---|');
  for (const line of timelineLines(incident, entries)) out.push(`| ${line.at.slice(11, 19)} | ${line.relative} | ${cell(line.text)} |`);
  out.push('');
  out.push('## Pages and receipts', '');
  const pages = entries.filter((e) => e.known && (e.kind === 'paged' || e.kind === 'page_failed' || e.kind === 'acked'));
  if (pages.length === 0) out.push('Nobody was paged.');
  else for (const e of pages) out.push(`- ${utc(e.at)}: ${cell(describeEntry(e))}`);
  out.push('');
  out.push('## Actions and whether they helped', '');
  const actions = actionLines(entries);
  out.push(...(actions.length ? actions : ['No action was recorded (compaction, silence, escalation).']), '');
  out.push('## Runbook steps that applied', '');
  if (runbookSteps.length === 0) out.push('No diagnosis recorded its runbook steps.');
  for (const r of runbookSteps) out.push(`- ${cell(r.title)}`, ...r.steps.map((s) => `  - \`${s.replace(/`/g, "'")}\``));
  out.push('');
  for (const title of ['Root cause', 'What went well', 'What to improve', 'Follow-ups']) out.push(`## ${title}`, '', '_To be written._', '');
  return out.join('\n');
}

/** Each compaction with its closed-loop re-check, silences and escalations, in order. */
function actionLines(entries: readonly TimelineEntry[]): string[] {
  const lines: string[] = [];
  const rechecks = ofKind(entries, 'compaction_recheck');
  for (const e of entries) {
    if (!e.known) continue;
    if (e.kind === 'compacted') {
      const recheck = rechecks.find((r) => r.id > e.id);
      const helped = recheck
        ? {
            cleared: 'yes: the condition cleared',
            persists: 'no: the condition persists',
            worse: 'no: the error rate got worse',
            unknown: 'unknown: the re-check could not measure',
          }[recheck.detail.condition]
        : 'not re-checked';
      const rates = recheck
        ? ` (error rate ${formatPercent(recheck.detail.errorRateBefore)} before, ${formatPercent(recheck.detail.errorRateAfter)} after)`
        : '';
      lines.push(`- ${utc(e.at)}: ${cell(describeEntry(e))}. Helped: ${helped}${rates}.`);
    } else if (e.kind === 'silenced' || e.kind === 'escalated') lines.push(`- ${utc(e.at)}: ${cell(describeEntry(e))}.`);
  }
  return lines;
}
