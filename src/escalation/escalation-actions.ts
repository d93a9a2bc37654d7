import { z } from 'zod';
import { createSlackDirectory } from '../pagers/slack-directory';
import { DIAGNOSIS_ACTIONS } from '../render/diagnosis-blocks';
import { textView } from '../render/blocks';
import { parseButtonValue } from '../slack/diagnosis-actions';
import { clickedButton, interactionContext } from '../slack/interaction-context';
import type { InteractionModule } from '../slack/interaction-modules';
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

/**
 * The Escalate button (diagnoses, alert headers, compaction results) and the Acknowledge button (page DMs
 * and the incident thread). Acknowledging is only ever deliberate: no reaction emoji listener exists.
 * Also gives escalation Slack's read side (checks for pages in flight at a crash, user checks).
 */
export const escalationActions: InteractionModule = (app, { services, queue }) => {
  services.escalations?.attachSlackDirectory(createSlackDirectory(queue));

  app.action(DIAGNOSIS_ACTIONS.escalate, async ({ ack, body, respond }) => {
    await ack();
    const button = clickedButton(body);
    const ctx = interactionContext(button, respond, services, queue);
    const value = parseButtonValue(button.value);
    const escalations = services.escalations;
    if (!escalations || !value || (!value.incidentId && !services.inventory.get(value.node))) {
      return void (await ctx.reply.private(textView('That button refers to a node that is no longer configured.')));
    }
    const outcome = escalations.escalate({
      node: services.inventory.get(value.node) ? value.node : undefined,
      incidentId: value.incidentId,
      by: button.userId,
      trigger: 'button',
      reasons: [],
      originChannel: button.channelId,
    });
    await ctx.reply.private(escalateReply(outcome));
  });

  app.action(ESCALATION_ACTIONS.ack, async ({ ack, body, respond }) => {
    await ack();
    const button = clickedButton(body);
    const ctx = interactionContext(button, respond, services, queue);
    const value = parseAckValue(button.value);
    if (!services.escalations || !value) return void (await ctx.reply.private(textView('That button does not name an incident.')));
    await ctx.reply.private(ackReply(services.escalations.acknowledge(value.incidentId, button.userId)));
  });

  app.action(ESCALATION_ACTIONS.resolve, async ({ ack, body, respond }) => {
    await ack();
    const button = clickedButton(body);
    const ctx = interactionContext(button, respond, services, queue);
    const value = parseAckValue(button.value);
    if (!services.escalations || !value) return void (await ctx.reply.private(textView('That button does not name an incident.')));
    await ctx.reply.private(resolveReply(services.escalations.resolveIncident(value.incidentId, button.userId), value.incidentId));
  });
};
