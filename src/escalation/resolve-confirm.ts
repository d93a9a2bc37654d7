import type { Incident } from '../incidents/incident-store';
import { actions, section } from '../render/blocks';
import type { View } from '../surfaces/view';
import type { EscalationSummary } from './escalation-summary';
import { ESCALATION_ACTIONS } from './escalation-views';
import { escapeSlack } from './packet-text';

/**
 * What `/stemedb resolve` asks before acting: resolving ends paging everywhere. Slack gets a button; the
 * shell, which has none, is told to repeat the command with `--confirm`.
 */
export function resolveConfirmView(incident: Incident, escalation: EscalationSummary | undefined, surface: 'slack' | 'shell'): View {
  const paging = escalation?.status === 'active' ? ' It stops the escalation now paging people (PagerDuty gets `resolve`).' : '';
  const question = `Resolve *${incident.id}* (${escapeSlack(incident.node ?? 'no node')}: ${escapeSlack(incident.title)})?${paging}`;
  const how = `Run \`/stemedb resolve ${incident.id} --confirm\`${surface === 'slack' ? ' or click Resolve' : ''}.`;
  const text = `${question}\n${how}`;
  if (surface === 'shell') return { text };
  return {
    text,
    blocks: [
      section(question),
      actions([{ text: 'Resolve', actionId: ESCALATION_ACTIONS.resolve, value: JSON.stringify({ incidentId: incident.id }), style: 'danger' }]),
    ],
  };
}
