import { formatDuration } from '../config/duration';
import { context, section } from '../render/blocks';
import type { View } from '../surfaces/view';
import type { ChainReport, LevelReport, UserCheck } from './chain-check';

const STATUS_TEXT: Record<UserCheck['status'], string> = {
  active: '',
  unverified: ' (not verified)',
  missing: ' :x: not found',
  deactivated: ' :x: deactivated',
  bot: ' :x: a bot',
};

function levelText(level: LevelReport, index: number): string {
  const users = level.users.map((u) => `<@${u.id}>${u.viaGroup ? ` via \`${u.viaGroup}\`` : ''}${STATUS_TEXT[u.status]}`);
  const other = [
    ...(level.pagerduty ? [`PagerDuty \`${level.pagerduty.env}\`${level.pagerduty.keySet ? '' : ' :x: key not set'}`] : []),
    ...(level.webhook ? [`webhook ${level.webhook.host}${level.webhook.tokenOk ? '' : ' :x: token not set'}`] : []),
  ];
  const would = [...users, ...other];
  const mark = !level.reachable ? ':warning:' : level.verified ? ':white_check_mark:' : ':grey_question:';
  const lines = [
    `${mark} *${index + 1}. ${level.name}*, acknowledge within ${formatDuration(level.ackTimeoutMs)}`,
    `would page: ${would.length > 0 ? would.join(', ') : 'nobody'}`,
  ];
  for (const w of level.warnings) lines.push(`:warning: ${w}`);
  return lines.join('\n');
}

/** `/stemedb oncall`: who each level would page right now; nobody was paged to find out. */
export function chainReportView(report: ChainReport): View {
  // "Every level can reach someone" only when each level was checked: users Slack could not be asked about
  // (the local shell has no Slack) are listed, never vouched for.
  const unchecked = report.levels.flatMap((l, i) => (l.reachable && !l.verified ? [i + 1] : []));
  const verdict =
    report.warnings.length > 0
      ? ` - :warning: ${report.warnings.length} problem(s)`
      : unchecked.length > 0
        ? ` - level(s) ${unchecked.join(', ')} could not be checked: their Slack users are not verified here (no Slack connection), and nothing else pages there`
        : ' - every level can reach someone';
  const intro = report.configured
    ? `*Escalation chain* (checked now; nobody was paged)${verdict}`
    : '*Escalation chain*: :warning: no level names anyone to page (no Slack users or groups, PagerDuty or webhook in `escalation.levels`): escalation is off';
  const levels = report.levels.map(levelText);
  const spacing = report.repeat.everyMs > 0 ? `, rounds at least ${formatDuration(report.repeat.everyMs)} apart` : '';
  const repeat =
    report.repeat.times > 0
      ? `Unacknowledged after the last level: the chain starts again, up to ${report.repeat.times} more time(s)${spacing}.`
      : 'Unacknowledged after the last level: paging stops.';
  const text = [intro, ...levels, repeat].join('\n\n');
  return { text, blocks: [section(intro), ...levels.map((l) => section(l)), context(repeat)] };
}

/** The alert-channel warning of the start-up and daily check: only the problems, no mentions. */
export function chainWarningView(report: ChainReport): View {
  const text = `:warning: *Escalation chain check*: ${report.warnings.length} problem(s) would make paging fail.\n${report.warnings.map((w) => `• ${w}`).join('\n')}\n\`/stemedb oncall\` shows the whole chain.`;
  return { text, blocks: [section(text)] };
}
