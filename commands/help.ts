import { z } from 'zod';
import { argsOf, defineCommand } from './command';
import { textView } from '../src/render/blocks';
import { didYouMean } from '../src/dispatch/did-you-mean';
import { helpDetailView, helpView } from '../src/render/help-view';

export const help = defineCommand({
  name: 'help',
  usage: 'help [command]',
  summary: 'Show what the bot can do; with a command: its options and an example',
  args: argsOf(z.tuple([]).rest(z.string()), {}),
  sideEffects: false,
  async run(ctx, { positionals: [word] }) {
    const { commands, inventory } = ctx.services;
    if (!word) return void (await ctx.reply.private(helpView(commands, inventory.names())));
    const name = word.toLowerCase().replace(/^\/stemedb$/, 'help');
    const command =
      commands.find((c) => c.name === name) ??
      commands.find(
        (c) =>
          c.name ===
          didYouMean(
            name,
            commands.map((c) => c.name),
          ),
      );
    if (!command) return void (await ctx.reply.private(textView(`\`${word.slice(0, 40)}\` is not a /stemedb command. \`/stemedb help\` lists the commands.`)));
    await ctx.reply.private(helpDetailView(command, inventory.names()));
  },
});
