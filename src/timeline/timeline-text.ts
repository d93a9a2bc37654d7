import type { Incident } from '../incidents/incident-store';
import { escapeMrkdwn } from '../alerts/alert-format';
import { formatBytes, formatPercent } from '../render/format';
import type { TimelineEntry } from './timeline-events';

/** "+4m12s", "+1h02m05s", "+0s": time since the incident opened. Negative (an alert's own start) keeps its sign. */
export function relativeTime(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  const s = Math.round(Math.abs(ms) / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${sign}${h}h${String(m).padStart(2, '0')}m${String(sec).padStart(2, '0')}s`;
  if (m > 0) return `${sign}${m}m${String(sec).padStart(2, '0')}s`;
  return `${sign}${sec}s`;
}

/** A person (Slack mention) or the system that acted. */
export function who(actor: string | null | undefined): string {
  if (!actor) return 'the bot';
  if (/^[UW][A-Z0-9]+$/.test(actor)) return `<@${actor}>`;
  return actor === 'bot' ? 'the bot' : actor;
}

const CHANNEL_TEXT: Record<string, string> = { slack_dm: 'DM', slack_group: 'user group', slack_thread: 'thread', pagerduty: 'PagerDuty', webhook: 'webhook' };

function pageTarget(detail: { channel: string; userIds?: string[]; target?: unknown }): string {
  const user = detail.userIds?.[0] ?? (typeof detail.target === 'string' ? detail.target : undefined);
  if (detail.channel === 'slack_dm' && user) return who(user);
  if (detail.channel === 'slack_group' && typeof detail.target === 'string') return `<!subteam^${detail.target}>`;
  return CHANNEL_TEXT[detail.channel] ?? detail.channel;
}

/** "; SST files 812 -> 30, pending 11.8 GB -> 0 B" when both ends were read. */
function figures(
  before: { sstFiles: number; pendingBytes: number } | null | undefined,
  after: { sstFiles: number; pendingBytes: number } | null | undefined,
): string {
  if (!before || !after) return '';
  return `; SST files ${before.sstFiles} -> ${after.sstFiles}, pending compaction ${formatBytes(before.pendingBytes)} -> ${formatBytes(after.pendingBytes)}`;
}

const rate = (r: number | null) => (r === null ? 'not available' : formatPercent(r));

/** One sentence per event, Slack mrkdwn (mentions); the shell's plain-text pass turns mentions into names. */
export function describeEntry(e: TimelineEntry): string {
  if (!e.known) return `${e.kind}${e.actor ? ` by ${who(e.actor)}` : ''}`;
  switch (e.kind) {
    case 'opened':
      return `Incident opened (${e.detail.source === 'alert' ? 'from an alert' : 'by hand'})`;
    case 'alert_fired':
      return `Alert ${escapeMrkdwn(e.detail.alertname)} fired (${e.detail.severity ?? 'no severity'}), active since ${e.detail.startsAt.slice(0, 19).replace('T', ' ')} UTC per Alertmanager`;
    case 'alert_refired':
      return 'Alertmanager sent the alert again, still firing';
    case 'alert_resolved':
      return `Alert resolved per Alertmanager (ended ${e.detail.endsAt.slice(0, 19).replace('T', ' ')} UTC)`;
    case 'thread_posted':
      return 'Alert thread posted';
    case 'diagnosed':
      return `Diagnosis${e.actor && e.actor !== 'bot' ? ` by ${who(e.actor)}` : ''}: ${e.detail.causes.join(', ') || 'no runbook cause'} (${e.detail.severity}), error rate ${rate(e.detail.errorRate)}`;
    case 'escalated':
      return `${e.detail.trigger === 'auto' || e.detail.trigger === 'alert' ? 'Escalated automatically' : `Escalated by ${who(e.actor)}`} to ${e.detail.levelName}${e.detail.reasons.length ? `: ${escapeMrkdwn(e.detail.reasons.join('; '))}` : ''}`;
    case 'paged':
      return `${e.detail.levelName ?? 'Level'} paged: ${pageTarget(e.detail)} (${CHANNEL_TEXT[e.detail.channel] ?? e.detail.channel} delivered)`;
    case 'page_failed':
      return `${e.detail.levelName ?? 'Level'} page failed: ${pageTarget(e.detail)} (${CHANNEL_TEXT[e.detail.channel] ?? e.detail.channel}: ${escapeMrkdwn(e.detail.error)})`;
    case 'acked':
      return `Acknowledged by ${who(e.actor)}`;
    case 'compacted':
      return `Compaction by ${who(e.actor)} ${e.detail.outcome}${e.detail.durationMs !== null ? ` in ${Math.round(e.detail.durationMs / 1000)}s` : ''}${e.detail.force ? ' (--force)' : ''}${figures(e.detail.before, e.detail.after)}`;
    case 'compaction_recheck':
      return `Re-check after compaction: condition ${e.detail.condition} (error rate ${rate(e.detail.errorRateBefore)} -> ${rate(e.detail.errorRateAfter)})`;
    case 'silenced':
      return `Alert silenced by ${who(e.actor)} until ${e.detail.endsAt.slice(0, 16).replace('T', ' ')} UTC`;
    case 'note':
      // Typed by a person: escaped, so a note cannot mention <!channel> or forge a link.
      return `Note from ${who(e.detail.author ?? e.actor)}: ${escapeMrkdwn(e.detail.text.replace(/\s+/g, ' '))}`;
    case 'resolved':
      return `Resolved by ${who(e.actor)}`;
  }
}

export interface TimelineLine {
  at: string;
  relative: string;
  text: string;
}

/** The events in order, each with its time relative to the incident's opening. */
export function timelineLines(incident: Incident, entries: readonly TimelineEntry[]): TimelineLine[] {
  const opened = Date.parse(incident.openedAt);
  return [...entries]
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.id - b.id)
    .map((e) => ({ at: e.at, relative: relativeTime(Date.parse(e.at) - opened), text: describeEntry(e) }));
}
