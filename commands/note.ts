import { z } from 'zod';
import { textView } from '../src/render/blocks';
import { MAX_NOTE, recordNote } from '../src/timeline/record-note';
import { argsOf, defineCommand } from './command';
import { incidentIdArg, timelineIncident } from './timeline-incident';

export const note = defineCommand({
  name: 'note',
  usage: 'note [incident] text...',
  summary: "Add a note to the incident's timeline (it shows in `timeline` and the postmortem draft)",
  args: argsOf(z.array(z.string()).min(1, 'the note text is missing'), {}),
  recordBeforeAck: true,
  sideEffects: false,
  async run(ctx, { positionals }) {
    const [first, ...rest] = positionals;
    const named = incidentIdArg.safeParse(first).success ? first : undefined;
    const words = named ? rest : positionals;
    if (words.length === 0) return void (await ctx.reply.private(textView('Usage: `/stemedb note [incident] text...` (the note text is missing)')));
    const pick = await timelineIncident(ctx, named);
    if ('problem' in pick) return void (await ctx.reply.private(textView(pick.problem)));
    const text = words.join(' ');
    await recordNote(ctx.services, pick.incident, { text, by: ctx.invoker.userId, at: ctx.services.now(), via: 'command' });
    const cut = text.length > MAX_NOTE ? ` (cut to ${MAX_NOTE} characters)` : '';
    await ctx.reply.private(textView(`Noted on ${pick.incident.id}'s timeline${cut}.`));
  },
});
