import { z } from 'zod';
import { textView } from '../src/render/blocks';
import { timelineView } from '../src/timeline/timeline-view';
import { argsOf, defineCommand } from './command';
import { incidentIdArg, timelineIncident } from './timeline-incident';

export const timeline = defineCommand({
  name: 'timeline',
  usage: 'timeline [incident]',
  summary: 'What happened when: alerts, diagnoses, pages, acks, escalations, compactions and notes, with times since the incident opened',
  args: argsOf(z.array(incidentIdArg).max(1), {}),
  sideEffects: false,
  async run(ctx, { positionals: [named] }) {
    const pick = await timelineIncident(ctx, named);
    if ('problem' in pick) return void (await ctx.reply.private(textView(pick.problem)));
    // Private: the lines mention every paged person, and a public message would notify them all again.
    await ctx.reply.private(timelineView(pick.incident, await ctx.services.store.timeline.list(pick.incident.id)));
  },
});
