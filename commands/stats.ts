import { z } from 'zod';
import { statsView } from '../src/render/stats-view';
import { argsOf, defineCommand, nodeArg } from './command';
import { resolveNode } from './resolve-node';

export const stats = defineCommand({
  name: 'stats',
  usage: 'stats <node>',
  summary: "Compaction report: SST files, total MB, pending compaction MB (runbook's weekly check)",
  args: argsOf(z.tuple([nodeArg]), {}),
  sideEffects: false,
  async run(ctx, { positionals: [name] }) {
    const node = await resolveNode(ctx, name);
    if (!node) return;
    const result = await ctx.services.stemedb(node).storageStats();
    await ctx.reply.public(statsView(node.name, result, ctx.services.now()));
  },
});
