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
    const items = [];
    for (const incident of await services.store.incidents.listOpen()) items.push({ incident, escalation: await services.escalations.summary(incident.id) });
    // Private: the list names paged people, and a public mention would notify every one of them again.
    await ctx.reply.private(statusView(items, services.now().getTime()));
  },
});
