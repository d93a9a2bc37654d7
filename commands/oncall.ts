import { z } from 'zod';
import { chainReportView } from '../src/escalation/chain-report-view';
import { argsOf, defineCommand } from './command';

export const oncall = defineCommand({
  name: 'oncall',
  usage: 'oncall',
  summary: 'Who each escalation level would page right now (user groups resolved), and any level nobody can be reached at; pages no one',
  args: argsOf(z.tuple([]), {}),
  sideEffects: false,
  async run(ctx) {
    const escalations = ctx.services.escalations;
    await ctx.reply.private(chainReportView(await escalations.checkChain()));
  },
});
