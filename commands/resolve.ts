import { z } from 'zod';
import { authorizeAction } from '../src/access/action-rules';
import { resolveConfirmView } from '../src/escalation/resolve-confirm';
import { resolveReply } from '../src/escalation/escalation-replies';
import { pickIncident } from '../src/escalation/pick-incident';
import { textView } from '../src/render/blocks';
import { incidentArg } from './ack';
import { argsOf, booleanFlag, defineCommand } from './command';

export const resolve = defineCommand({
  name: 'resolve',
  usage: 'resolve [incident] [--confirm]',
  summary: 'Resolve an incident: ends its escalation everywhere (PagerDuty gets `resolve`)',
  args: argsOf(z.array(incidentArg).max(1), { confirm: booleanFlag }),
  sideEffects: true,
  async run(ctx, { positionals: [named], flags }) {
    const { services } = ctx;
    const pick = await pickIncident(services, named, ctx.channelId, await services.store.incidents.listOpen(), 'open');
    if ('problem' in pick) return void (await ctx.reply.private(textView(pick.problem)));
    const { incident } = pick;
    const rule = await authorizeAction(services, { action: 'resolve', label: `resolve ${incident.id}`, userId: ctx.invoker.userId, surface: ctx.surface, channelId: ctx.channelId, incident, via: 'command' });
    if (!rule.allowed) return void (await ctx.reply.private(textView(rule.refusal)));
    if (!flags.confirm) return void (await ctx.reply.private(resolveConfirmView(incident, await services.escalations.summary(incident.id), ctx.surface)));
    await ctx.reply.private(resolveReply(await services.escalations.resolveIncident(incident.id, ctx.invoker.userId), incident.id));
  },
});
