import { formatDuration } from '../config/duration';
import type { Incident } from '../incidents/incident-store';
import { context, section } from '../render/blocks';
import type { View } from '../surfaces/view';
import type { EscalationSummary, PagedTarget } from './escalation-summary';
import { clockTime, escapeSlack } from './packet-text';
import { actorText } from './plan-effects';
import { threadLink } from './send-outbox-row';

const MAX_INCIDENTS = 20;

function targetText(p: PagedTarget): string {
  const who = p.kind === 'slack_dm' ? actorText(p.target) : p.kind === 'pagerduty' ? `PagerDuty \`${p.target}\`` : 'webhook';
  const how =
    p.status === 'sent'
      ? `:white_check_mark:${p.at ? ` ${clockTime(p.at)}` : ''}`
      : p.status === 'failed'
        ? ':x:'
        : p.status === 'cancelled'
          ? '(not sent)'
          : ':hourglass_flowing_sand:';
  return `${who} ${how}`;
}

function escalationLines(s: EscalationSummary | undefined, now: number): string[] {
  if (!s) return ['Escalation: none (`/stemedb escalate <node>` pages the chain)'];
  const where =
    s.level !== null ? `level ${s.level + 1} of ${s.levelCount} (${escapeSlack(s.levelName ?? '?')})${s.round > 1 ? `, round ${s.round}` : ''}` : 'starting';
  const state: Record<EscalationSummary['status'], string> = {
    active: 'not acknowledged',
    acked: `acknowledged by ${s.ackedBy ? actorText(s.ackedBy) : '?'}${s.ackedAt ? ` at ${clockTime(s.ackedAt)}` : ''}`,
    exhausted: ':warning: nobody acknowledged; paging stopped',
    resolved: 'resolved',
  };
  const lines = [`Escalation: ${where}, ${state[s.status]}`, `Started: ${startedText(s.started)}`];
  const latestRound = s.paged.filter((p) => p.round === s.round);
  if (latestRound.length > 0) lines.push(`Paged: ${latestRound.map(targetText).join(', ')}`);
  if (s.next) lines.push(`Next: ${escapeSlack(s.next.what)} at ${clockTime(s.next.at)} (in ${formatDuration(Math.max(0, s.next.at - now))})`);
  return lines;
}

/** How an escalation started, in words: the criteria met (on an alert's or a person's diagnosis) or who asked. */
export function startedText(started: EscalationSummary['started']): string {
  const why = started.reasons.length > 0 ? `: ${escapeSlack(started.reasons.join('; ').slice(0, 300))}` : '';
  switch (started.trigger) {
    case 'alert':
      return `automatically, the alert's diagnosis met the escalation criteria${why}`;
    case 'auto':
      return `automatically, a diagnosis${started.diagnosedBy ? ` run by ${actorText(started.diagnosedBy)}` : ''} met the escalation criteria${why}`;
    case 'button':
      return `by ${actorText(started.by)} (Escalate button)${why}`;
    case 'command':
      return `by ${actorText(started.by)} (\`/stemedb escalate\`)${why}`;
  }
}

/** `/stemedb status`: open incidents with their escalation level, who was paged, acked or not, what is next. */
export function statusView(items: readonly { incident: Incident; escalation?: EscalationSummary }[], now: number): View {
  if (items.length === 0) return { text: 'No open incidents.', blocks: [section(':white_check_mark: No open incidents.')] };
  const shown = items.slice(0, MAX_INCIDENTS);
  const parts = shown.map(({ incident, escalation }) => {
    const link = incident.channel && incident.threadTs ? threadLink({ channel: incident.channel, ts: incident.threadTs }) : undefined;
    const head = `*${incident.id}* ${escapeSlack(incident.node ?? 'unknown node')}: ${escapeSlack(incident.title)} (${incident.source === 'alert' || incident.fingerprint ? `alert ${escapeSlack(incident.alertname ?? '')}`.trim() : 'opened by escalation'}, ${clockTime(Date.parse(incident.openedAt))})${link ? ` <${link}|thread>` : ''}`;
    return [head, ...escalationLines(escalation, now)].join('\n');
  });
  const more = items.length > shown.length ? `…and ${items.length - shown.length} more open incident(s)` : '';
  const intro = `*Open incidents* (${items.length})`;
  const text = [intro, ...parts, more].filter(Boolean).join('\n\n');
  return { text, blocks: [section(intro), ...parts.map((p) => section(p)), ...(more ? [context(more)] : [])] };
}
