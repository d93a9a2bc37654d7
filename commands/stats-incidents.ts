import { z } from 'zod';
import { incidentStatsView } from '../src/timeline/incident-stats';
import { argsOf, defineCommand } from './command';

const DAY_MS = 86_400_000;

export const statsIncidents = defineCommand({
  name: 'stats-incidents',
  usage: 'stats-incidents [days]',
  summary: 'Incident counts, mean time to acknowledge (MTTA) and to resolve (MTTR) per cause and node over the last days (default 30)',
  args: argsOf(
    z
      .array(
        z
          .string()
          .regex(/^[1-9]\d{0,4}$/, 'a number of days (at least 1) such as 30')
          .transform(Number),
      )
      .max(1),
    {},
  ),
  sideEffects: false,
  async run(ctx, { positionals: [days = 30] }) {
    const { services } = ctx;
    const rows = await services.store.incidents.statsSince(new Date(services.now().getTime() - days * DAY_MS));
    await ctx.reply.private(incidentStatsView(rows, days));
  },
});
