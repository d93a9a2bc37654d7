import { z } from 'zod';
import { incidentRowsSince, incidentStatsView } from '../src/timeline/incident-stats';
import { argsOf, defineCommand } from './command';

const DAY_MS = 86_400_000;

export const statsIncidents = defineCommand({
  name: 'stats-incidents',
  usage: 'stats-incidents [days]',
  summary: 'Incident counts, mean time to acknowledge (MTTA) and to resolve (MTTR) per cause and node over the last days (default 30)',
  args: argsOf(z.array(z.string().regex(/^\d{1,5}$/, 'a number of days such as 30').transform(Number).pipe(z.number().int().min(1, 'at least 1 day').max(36_500))).max(1), {}),
  sideEffects: false,
  async run(ctx, { positionals: [days = 30] }) {
    const { services } = ctx;
    const rows = incidentRowsSince(services.store.db, new Date(services.now().getTime() - days * DAY_MS));
    await ctx.reply.private(incidentStatsView(rows, days));
  },
});
