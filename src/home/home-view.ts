import { formatDuration } from '../config/duration';
import type { ChainReport } from '../escalation/chain-check';
import type { EscalationSummary } from '../escalation/escalation-summary';
import type { Incident } from '../incidents/incident-store';
import { actions, context, divider, header, section, type ButtonSpec } from '../render/blocks';
import type { KnownBlock } from '../surfaces/view';

export const HOME_ACTIONS = { diagnose: 'home_diagnose', escalate: 'home_escalate', timeline: 'home_timeline' } as const;

export interface NodeVerdict {
  severity: 'critical' | 'warning' | 'ok';
  summary: string;
  at: number;
}

export interface HomeState {
  incidents: { incident: Incident; escalation?: EscalationSummary }[];
  nodes: string[];
  verdicts: ReadonlyMap<string, NodeVerdict>;
  chain: ChainReport | undefined;
  /** Whether a `timeline` command is registered (its button is shown only then). */
  timeline: boolean;
}

const SEVERITY_ICON = { critical: ':red_circle:', warning: ':large_yellow_circle:', ok: ':large_green_circle:' } as const;
const MAX_INCIDENTS = 15;

function ackState(s: EscalationSummary | undefined): string {
  if (!s) return 'not escalated';
  const level = s.level !== null ? `level ${s.level + 1} of ${s.levelCount} (${s.levelName ?? '?'})` : 'starting';
  if (s.status === 'acked') return `${level}, acknowledged by ${s.ackedBy ? `<@${s.ackedBy}>` : '?'}`;
  if (s.status === 'exhausted') return `${level}, :warning: nobody acknowledged`;
  return `${level}, ${s.status === 'active' ? 'not acknowledged' : s.status}`;
}

/**
 * The App Home tab (views.publish): open incidents with level and ack state, each node's latest verdict and
 * its age, who each escalation level would page now, and buttons. Pure: state in, blocks out.
 */
export function homeBlocks(state: HomeState, now: number): KnownBlock[] {
  const blocks: KnownBlock[] = [header('StemeDB on-call'), section(`*Open incidents* (${state.incidents.length})`)];
  if (state.incidents.length === 0) blocks.push(context(':white_check_mark: No open incidents.'));
  for (const { incident, escalation } of state.incidents.slice(0, MAX_INCIDENTS)) {
    blocks.push(section(`*${incident.id}* ${incident.node ?? 'unknown node'}: ${incident.title}\n${ackState(escalation)}`));
    const buttons: ButtonSpec[] = [];
    const value = JSON.stringify({ incidentId: incident.id, ...(incident.node ? { node: incident.node } : {}) });
    if (incident.node) buttons.push({ text: 'Diagnose', actionId: HOME_ACTIONS.diagnose, value });
    if (!escalation || escalation.status !== 'acked') buttons.push({ text: 'Escalate', actionId: HOME_ACTIONS.escalate, value, style: 'danger' });
    if (state.timeline) buttons.push({ text: 'Timeline', actionId: HOME_ACTIONS.timeline, value });
    if (buttons.length) blocks.push(actions(buttons, `home:incident:${incident.id}`));
  }
  blocks.push(divider(), section('*Nodes* (latest diagnosis)'));
  const nodeLines = state.nodes.map((node) => {
    const v = state.verdicts.get(node);
    return v
      ? `${SEVERITY_ICON[v.severity]} *${node}*: ${v.summary} (${formatDuration(Math.max(0, now - v.at))} ago)`
      : `:white_circle: *${node}*: no diagnosis since the bot started`;
  });
  for (let i = 0; i < nodeLines.length; i += 10) blocks.push(section(nodeLines.slice(i, i + 10).join('\n')));
  const diagnoseButtons = state.nodes
    .slice(0, 5)
    .map((node) => ({ text: `Diagnose ${node}`, actionId: `${HOME_ACTIONS.diagnose}:${node}`, value: JSON.stringify({ node }) }));
  if (diagnoseButtons.length) blocks.push(actions(diagnoseButtons, 'home:nodes'));
  blocks.push(divider(), section('*Escalation chain* (who each level would page now)'));
  if (!state.chain) blocks.push(context('Not available: the chain could not be checked.'));
  else {
    const lines = state.chain.levels.map((level, i) => {
      const who = [
        ...level.users.map((u) => `<@${u.id}>`),
        ...(level.pagerduty ? [`PagerDuty \`${level.pagerduty.env}\``] : []),
        ...(level.webhook ? [`webhook ${level.webhook.host}`] : []),
      ];
      return `${level.reachable ? ':white_check_mark:' : ':warning:'} ${i + 1}. ${level.name}: ${who.length ? who.join(', ') : 'nobody'}`;
    });
    blocks.push(section(lines.join('\n')));
  }
  blocks.push(context(`Updated ${new Date(now).toISOString().slice(11, 16)} UTC · \`/stemedb help\` lists the commands`));
  return blocks.slice(0, 100);
}

/** What changes the tab's content, without the ages: republish only when this changes. */
export function homeStateKey(state: HomeState): string {
  return JSON.stringify([
    state.incidents.map(({ incident, escalation }) => [incident.id, incident.title, escalation?.status, escalation?.level, escalation?.ackedBy]),
    [...state.verdicts.entries()].map(([n, v]) => [n, v.severity, v.summary, v.at]),
  ]);
}
