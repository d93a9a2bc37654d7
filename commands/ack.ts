import { z } from 'zod';
import { authorizeAction } from '../src/access/action-rules';
import { ackReply } from '../src/escalation/escalation-replies';
import { pickIncident } from '../src/escalation/pick-incident';
import { textView } from '../src/render/blocks';
import { argsOf, defineCommand } from './command';

export const incidentArg = z.string().regex(/^[a-z0-9-]{1,64}$/, 'an incident id such as inc-7f3a2c');

export const ack = defineCommand({
  name: 'ack',
  usage: 'ack [incident]',
  summary: 'Acknowledge an escalation: paging stops and the incident thread says who acked',
  args: argsOf(z.array(incidentArg).max(1), {}),
  recordBeforeAck: true,
  sideEffects: false,
  async run(ctx, { positionals: [named] }) {
    const escalations = ctx.services.escalations;
    const pick = await pickIncident(ctx.services, named, ctx.channelId, await escalations.activeIncidents(), 'escalating');
    if ('problem' in pick) return void (await ctx.reply.private(textView(pick.problem)));
    const rule = await authorizeAction(ctx.services, {
      action: 'ack',
      label: `acknowledge ${pick.incident.id}`,
      userId: ctx.invoker.userId,
      surface: ctx.surface,
      channelId: ctx.channelId,
      incident: pick.incident,
      via: 'command',
    });
    if (!rule.allowed) return void (await ctx.reply.private(textView(rule.refusal)));
    await ctx.reply.private(ackReply(await escalations.acknowledge(pick.incident.id, ctx.invoker.userId)));
  },
});
