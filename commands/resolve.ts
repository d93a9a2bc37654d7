import { z } from 'zod';
import { resolveConfirmView } from '../src/escalation/resolve-confirm';
import { resolveReply } from '../src/escalation/escalation-replies';
import { pickIncident } from '../src/escalation/pick-incident';
import { argsOf, booleanFlag, defineCommand, type CommandContext } from './command';
import { incidentArg } from './ack';

/** The open incident `resolve` names (or the one of this channel); the pick was checked by the rule step. */
async function openIncident(ctx: CommandContext, named: string | undefined) {
  return pickIncident(ctx.services, named, ctx.channelId, await ctx.services.store.incidents.listOpen(), 'open');
}

export const resolve = defineCommand({
  name: 'resolve',
  usage: 'resolve [incident] [--confirm]',
  summary: 'Resolve an incident: ends its escalation everywhere (PagerDuty gets `resolve`)',
  args: argsOf(z.array(incidentArg).max(1), { confirm: booleanFlag }),
  // The dispatcher applies the resolve rule (operators, paged responders; refusals audited), then shows the
  // confirmation unless `--confirm` was typed.
  recordBeforeAck: true,
  sideEffects: {
    async rule(ctx, { positionals: [named] }) {
      const pick = await openIncident(ctx, named);
      if ('problem' in pick) return pick;
      return { action: 'resolve', label: `resolve ${pick.incident.id}`, incident: pick.incident };
    },
    confirm: {
      flag: 'confirm',
      async preview(ctx, { positionals: [named] }) {
        const pick = await openIncident(ctx, named);
        if ('problem' in pick) return;
        await ctx.reply.private(resolveConfirmView(pick.incident, await ctx.services.escalations.summary(pick.incident.id), ctx.surface));
      },
    },
  },
  async run(ctx, { positionals: [named] }) {
    const pick = await openIncident(ctx, named);
    if ('problem' in pick) return;
    await ctx.reply.private(resolveReply(await ctx.services.escalations.resolveIncident(pick.incident.id, ctx.invoker.userId), pick.incident.id));
  },
});
