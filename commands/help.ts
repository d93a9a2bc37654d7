import { z } from 'zod';
import { argsOf, defineCommand } from './command';
import { helpView } from '../src/render/help-view';

export const help = defineCommand({
  name: 'help',
  usage: 'help',
  summary: 'Show what the bot can do',
  args: argsOf(z.tuple([]).rest(z.string()), {}),
  sideEffects: false,
  async run(ctx) {
    await ctx.reply.private(helpView(ctx.services.commands, ctx.services.inventory.names()));
  },
});
