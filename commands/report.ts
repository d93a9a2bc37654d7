import { z } from 'zod';
import { createWeeklyReports } from '../src/reports/weekly-reports';
import { argsOf, defineCommand } from './command';

export const report = defineCommand({
  name: 'report',
  usage: 'report',
  summary: "The runbook's weekly LSM health check for every node now: SST files, sizes, amplification, disk free, change since last week",
  args: argsOf(z.tuple([]), {}),
  sideEffects: false,
  async run(ctx) {
    // On demand: read now, compare with the last scheduled report; nothing is claimed or stored.
    await ctx.reply.public(await createWeeklyReports(ctx.services).build());
  },
});
