import { z } from 'zod';
import { auditUnknownTarget, authorizeAction } from '../access/action-rules';
import type { Services } from '../app/services';
import { DIAGNOSIS_ACTIONS } from '../render/diagnosis-blocks';
import { textView } from '../render/blocks';
import { buttonTarget } from '../slack/diagnosis-actions';
import { clickedButton, interactionContext, type ClickedButton } from '../slack/interaction-context';
import type { InteractionModule } from '../slack/interaction-module';
import type { EscalationPort } from './escalation-port';
import { ackReply, escalateReply, resolveReply } from './escalation-replies';
import { ESCALATION_ACTIONS } from './escalation-views';

const ackValueSchema = z.object({ incidentId: z.string().regex(/^[a-z0-9-]{1,64}$/) });

function parseAckValue(value: string): z.infer<typeof ackValueSchema> | undefined {
  try {
    const parsed = ackValueSchema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The answer to a click naming no incident the bot knows; audited like any refusal. */
function unknownIncident(services: Services, button: ClickedButton, action: string): string {
  const reason = 'That button does not name an incident the bot knows: nothing was done.';
  auditUnknownTarget(services, { userId: button.userId, action, channelId: button.channelId, value: button.value, reason });
  return reason;
}

/**
 * The Escalate button (diagnoses, alert headers, compaction results) and the Acknowledge button (page DMs
 * and the incident thread). Acknowledging is only ever deliberate: no reaction emoji listener exists.
 */
export const escalationActions: InteractionModule = (app, { services, queue }) => {
  app.action(DIAGNOSIS_ACTIONS.escalate, async ({ ack, body, respond }) => {
    await ack();
    const button = clickedButton(body);
    const ctx = interactionContext(button, respond, services, queue);
    const target = buttonTarget(services, button, 'escalate');
    const escalations = services.escalations;
    if ('problem' in target) return void (await ctx.reply.private(textView(target.problem)));
    const rule = await authorizeAction(services, { action: 'other', auditAction: 'escalate', label: `escalate ${target.node.name}`, userId: button.userId, surface: 'slack', channelId: button.channelId, incident: target.incident, node: target.node.name, via: 'button' });
    if (!rule.allowed) return void (await ctx.reply.private(textView(rule.refusal)));
    const outcome = escalations.escalate({
      node: target.node.name,
      incidentId: target.incident?.id,
      by: button.userId,
      trigger: 'button',
      reasons: [],
      originChannel: button.channelId,
    });
    await ctx.reply.private(escalateReply(outcome));
  });

  // Acknowledge and Resolve: the same click, rule and reply shape; only the action differs.
  const incidentButtons = [
    { actionId: ESCALATION_ACTIONS.ack, action: 'ack', label: 'acknowledge', run: (escalations: EscalationPort, incidentId: string, userId: string) => ackReply(escalations.acknowledge(incidentId, userId)) },
    { actionId: ESCALATION_ACTIONS.resolve, action: 'resolve', label: 'resolve', run: (escalations: EscalationPort, incidentId: string, userId: string) => resolveReply(escalations.resolveIncident(incidentId, userId), incidentId) },
  ] as const;
  for (const { actionId, action, label, run } of incidentButtons) {
    app.action(actionId, async ({ ack, body, respond }) => {
      await ack();
      const button = clickedButton(body);
      const ctx = interactionContext(button, respond, services, queue);
      const value = parseAckValue(button.value);
      const incident = value && services.store.incidents.get(value.incidentId);
      if (!incident) return void (await ctx.reply.private(textView(unknownIncident(services, button, action))));
      const rule = await authorizeAction(services, { action, label: `${label} ${incident.id}`, userId: button.userId, surface: 'slack', channelId: button.channelId, incident, via: 'button' });
      if (!rule.allowed) return void (await ctx.reply.private(textView(rule.refusal)));
      await ctx.reply.private(run(services.escalations, incident.id, button.userId));
    });
  }
};
