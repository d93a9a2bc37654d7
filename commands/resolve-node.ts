import type { NodeConfig } from '../src/config/schema';
import { didYouMean } from '../src/dispatch/did-you-mean';
import { textView } from '../src/render/blocks';
import type { CommandContext } from './command';

/**
 * The configured node of that name, or undefined after telling the invoker which nodes exist. Only
 * inventory nodes are ever contacted: no host or URL comes from user text.
 */
export async function resolveNode(ctx: CommandContext, name: string): Promise<NodeConfig | undefined> {
  const node = ctx.services.inventory.get(name.toLowerCase());
  if (!node) {
    const names = ctx.services.inventory.names();
    // `stemdb-1` is a slip for stemedb-1; `stemedb-9` is another node, not a typo of stemedb-1.
    const digits = (s: string) => s.replace(/\D/g, '');
    const guess = didYouMean(
      name,
      names.filter((n) => digits(n) === digits(name)),
    );
    const hint = guess ? ` Did you mean \`${guess}\`?` : '';
    await ctx.reply.private(textView(`Unknown node \`${name}\`.${hint} Configured nodes: ${names.map((n) => `\`${n}\``).join(', ')}`));
  }
  return node;
}
