import { textView } from '../render/blocks';
import type { View } from '../surfaces/view';
import type { AckOutcome, EscalateOutcome, ResolveOutcome } from './escalation-service';
import { clockTime, escapeSlack } from './packet-text';
import { actorText } from './plan-effects';
import { threadLink } from './send-outbox-row';

function where(incident: { channel: string | null; threadTs: string | null }): string {
  const link = incident.channel && incident.threadTs ? threadLink({ channel: incident.channel, ts: incident.threadTs }) : undefined;
  return link ? ` Progress: <${link}|incident thread>.` : ' Progress follows in the incident thread.';
}

/** The invoker's answer to `/stemedb escalate` or the Escalate button. */
export function escalateReply(outcome: EscalateOutcome): View {
  switch (outcome.kind) {
    case 'started': {
      const { levels } = outcome.escalation.chain;
      const level = levels[outcome.level]!;
      const of = outcome.level > 0 ? ` (level ${outcome.level + 1} of ${levels.length})` : '';
      const acked = outcome.afterAck
        ? ` ${actorText(outcome.afterAck.by)} acknowledged at ${escapeSlack(levels[outcome.afterAck.level]?.name ?? '?')} and is not paged again.`
        : '';
      return textView(
        `:rotating_light: Escalating ${outcome.incident.id} (${escapeSlack(outcome.incident.node ?? 'no node')}): paging *${escapeSlack(level.name)}*${of} now${outcome.openedIncident ? ' (new incident)' : ''}.${acked}${where(outcome.incident)}`,
      );
    }
    case 'moved_up': {
      const { levels } = outcome.escalation.chain;
      const was =
        outcome.from !== null && outcome.from !== outcome.level
          ? ` instead of waiting for *${escapeSlack(levels[outcome.from]?.name ?? '?')}* to acknowledge`
          : '';
      const round = outcome.escalation.state.round > 1 ? `, round ${outcome.escalation.state.round}` : '';
      return textView(
        `:arrow_double_up: Escalating ${outcome.incident.id} further: paging *${escapeSlack(levels[outcome.level]!.name)}* (level ${outcome.level + 1} of ${levels.length}${round}) now${was}.${where(outcome.incident)}`,
      );
    }
    case 'at_last_level': {
      const { chain, state, ackedBy } = outcome.escalation;
      const last = chain.levels[chain.levels.length - 1]!.name;
      const node = outcome.incident.node ? ` ${escapeSlack(outcome.incident.node)}` : '';
      const now =
        state.status === 'acked'
          ? `was acknowledged${ackedBy ? ` by ${actorText(ackedBy)}` : ''} at the last level (*${escapeSlack(last)}*)`
          : `is already paging the last level (*${escapeSlack(last)}*)`;
      return textView(
        `${outcome.incident.id} ${now}: there is no level above. \`/stemedb escalate${node} --level 1\` pages the chain again from *${escapeSlack(chain.levels[0]!.name)}*.${where(outcome.incident)}`,
      );
    }
    case 'bad_level':
      return textView(`\`--level\` takes 1 to ${outcome.levels}: the chain has ${outcome.levels} level(s) (\`/stemedb oncall\` lists them).`);
    case 'already_active': {
      const { state, chain } = outcome.escalation;
      const level = state.waitingLevel !== null ? chain.levels[state.waitingLevel]?.name : undefined;
      const next =
        state.waitingLevel !== null && state.waitingLevel + 1 < chain.levels.length
          ? ` \`--level ${state.waitingLevel + 2}\` pages *${escapeSlack(chain.levels[state.waitingLevel + 1]!.name)}* now.`
          : '';
      return textView(
        `${outcome.incident.id} is already being escalated${level ? ` (paging *${escapeSlack(level)}*${state.round > 1 ? `, round ${state.round}` : ''}, just now)` : ''}: nobody was paged twice.${next}${where(outcome.incident)}`,
      );
    }
    case 'not_configured':
      return textView(
        ':warning: Nobody to page: `escalation.levels` names no Slack users or groups, PagerDuty key or webhook. Ask the bot operator to configure the chain; `/stemedb oncall` shows it.',
      );
    case 'no_incident':
      return textView(
        outcome.incidentId
          ? `No incident \`${escapeSlack(outcome.incidentId)}\`. \`/stemedb status\` lists the open ones.`
          : 'Name a node: `/stemedb escalate <node> [reason...]`.',
      );
    case 'incident_resolved':
      return textView(`${outcome.incident.id} is already resolved: nothing to escalate. Escalate the node instead to open a new incident.`);
    case 'skipped':
      return textView(`Not escalating ${outcome.incident.id} again automatically: ${escapeSlack(outcome.reason)}.`);
  }
}

/** The answer to the Acknowledge button or `/stemedb ack`. */
export function ackReply(outcome: AckOutcome): View {
  switch (outcome.kind) {
    case 'acked':
      return textView(`:white_check_mark: You acknowledged ${outcome.incident.id}: paging has stopped.${where(outcome.incident)}`);
    case 'already_acked':
      return textView(
        `${outcome.incident.id} was already acknowledged by ${actorText(outcome.escalation.ackedBy ?? '?')}${outcome.escalation.ackedAt ? ` at ${clockTime(outcome.escalation.ackedAt)}` : ''}.`,
      );
    case 'not_escalating':
      return textView(`${outcome.incident.id} is not being escalated: nothing to acknowledge.`);
    case 'no_incident':
      return textView('No such incident. `/stemedb status` lists the open ones.');
  }
}

/** The answer to `/stemedb resolve --confirm`. */
export function resolveReply(outcome: ResolveOutcome, incidentId: string): View {
  if (!outcome.incident) return textView(`No incident \`${escapeSlack(incidentId)}\`. \`/stemedb status\` lists the open ones.`);
  const pd =
    outcome.pagerdutyResolves > 0 ? ` PagerDuty is told to resolve${outcome.pagerdutyResolves > 1 ? ` (${outcome.pagerdutyResolves} services)` : ''}.` : '';
  const stopped = `${outcome.stoppedEscalation ? ' Paging has stopped.' : ''}${pd}`;
  if (!outcome.resolvedNow)
    return textView(`${incidentId} was already resolved${outcome.incident.resolvedBy ? ` by ${actorText(outcome.incident.resolvedBy)}` : ''}.${stopped}`);
  return textView(`:large_green_circle: ${incidentId} (${escapeSlack(outcome.incident.node ?? 'no node')}) is resolved.${stopped}`);
}
