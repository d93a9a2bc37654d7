import { z } from 'zod';
import { statusView } from '../src/escalation/status-view';
import { argsOf, defineCommand } from './command';

export const status = defineCommand({
  name: 'status',
  usage: 'status',
  summary: 'Open incidents: escalation level, who was paged, acknowledged or not, what is due next',
  args: argsOf(z.tuple([]), {}),
  sideEffects: false,
  async run(ctx) {
    const { services } = ctx;
    const items = services.store.incidents.listOpen().map((incident) => ({ incident, escalation: services.escalations.summary(incident.id) }));
    // Private: the list names paged people, and a public mention would notify every one of them again.
    await ctx.reply.private(statusView(items, services.now().getTime()));
  },
});
