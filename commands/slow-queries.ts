import { z } from 'zod';
import { slowQueriesView } from '../src/render/slow-queries-view';
import { argsOf, defineCommand, nodeArg } from './command';
import { resolveNode } from './resolve-node';

export const slowQueries = defineCommand({
  name: 'slow-queries',
  usage: 'slow-queries <node>',
  summary: 'Long-running queries that may hold the write lock (runbook: lock contention)',
  args: argsOf(z.tuple([nodeArg]), {}),
  sideEffects: false,
  async run(ctx, { positionals: [name] }) {
    const node = await resolveNode(ctx, name);
    if (!node) return;
    const queries = await ctx.services.stemedb(node).slowQueries();
    await ctx.reply.public(slowQueriesView(node.name, queries, ctx.services.now()));
  },
});
