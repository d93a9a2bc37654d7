import { z } from 'zod';
import { textView } from '../src/render/blocks';
import { buildPostmortem, uploadPostmortem } from '../src/timeline/postmortem';
import { argsOf, defineCommand } from './command';
import { incidentIdArg, timelineIncident } from './timeline-incident';

export const postmortem = defineCommand({
  name: 'postmortem',
  usage: 'postmortem [incident]',
  summary: "Regenerate the incident's postmortem draft (Markdown) from its timeline and upload it to the incident thread",
  args: argsOf(z.array(incidentIdArg).max(1), {}),
  sideEffects: false,
  async run(ctx, { positionals: [named] }) {
    const pick = await timelineIncident(ctx, named);
    if ('problem' in pick) return void (await ctx.reply.private(textView(pick.problem)));
    const { incident } = pick;
    if (ctx.surface === 'shell') return void (await ctx.reply.private(textView((await buildPostmortem(ctx.services, incident)).markdown)));
    const uploaded = await uploadPostmortem(ctx.services, incident.id);
    await ctx.reply.private(
      textView(uploaded ? `Postmortem draft for ${incident.id} uploaded to its thread.` : `${incident.id} has no Slack thread to upload the draft to.`),
    );
  },
});
