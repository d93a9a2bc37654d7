import { z } from 'zod';
import { auditUnknownTarget } from '../access/action-rules';
import type { Services } from '../app/services';
import type { Incident } from '../incidents/incident-store';
import { DIAGNOSIS_ACTIONS } from '../render/diagnosis-blocks';
import { nodeButton } from '../slack/diagnosis-actions';
import type { ClickedButton } from '../slack/interaction-context';
import type { InteractionModule } from '../slack/interaction-module';
import { ruledButton } from '../slack/ruled-button';
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
async function unknownIncident(services: Pick<Services, 'store' | 'now'>, button: ClickedButton, action: string): Promise<string> {
  const reason = 'That button does not name an incident the bot knows: nothing was done.';
  await auditUnknownTarget(services, { userId: button.userId, action, channelId: button.channelId, value: button.value, reason });
  return reason;
}

/**
 * The Escalate button (diagnoses, alert headers, compaction results) and the Acknowledge button (page DMs
 * and the incident thread). Acknowledging is only ever deliberate: no reaction emoji listener exists.
 */
export const escalationActions: InteractionModule = (app, deps) => {
  const { services } = deps;
  ruledButton(app, deps, {
    ...nodeButton(services, DIAGNOSIS_ACTIONS.escalate, 'escalate', (node) => `escalate ${node}`),
    async run(ctx, target, button) {
      const outcome = await services.escalations.escalate({
        node: target.node.name,
        incidentId: target.incident?.id,
        by: button.userId,
        trigger: 'button',
        reasons: [],
        originChannel: button.channelId,
      });
      await ctx.reply.private(escalateReply(outcome));
    },
  });

  // Acknowledge and Resolve: the same click, rule and reply shape; only the action differs.
  const incidentButtons = [
    {
      actionId: ESCALATION_ACTIONS.ack,
      action: 'ack',
      label: 'acknowledge',
      run: async (incidentId: string, userId: string) => ackReply(await services.escalations.acknowledge(incidentId, userId)),
    },
    {
      actionId: ESCALATION_ACTIONS.resolve,
      action: 'resolve',
      label: 'resolve',
      run: async (incidentId: string, userId: string) => resolveReply(await services.escalations.resolveIncident(incidentId, userId), incidentId),
    },
  ] as const;
  for (const { actionId, action, label, run } of incidentButtons) {
    ruledButton<{ incident: Incident }>(app, deps, {
      actionId,
      target: async (button) => {
        const value = parseAckValue(button.value);
        const incident = value && (await services.store.incidents.get(value.incidentId));
        return incident ? { incident } : { problem: await unknownIncident(services, button, action) };
      },
      rule: ({ incident }) => ({ action, label: `${label} ${incident.id}`, incident }),
      run: async (ctx, { incident }, button) => void (await ctx.reply.private(await run(incident.id, button.userId))),
    });
  }
};
