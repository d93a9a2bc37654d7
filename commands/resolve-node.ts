import type { NodeConfig } from '../src/config/schema';
import { textView } from '../src/render/blocks';
import type { CommandContext } from './command';

/**
 * The configured node of that name, or undefined after telling the invoker which nodes exist. Only
 * inventory nodes are ever contacted: no host or URL comes from user text.
 */
export async function resolveNode(ctx: CommandContext, name: string): Promise<NodeConfig | undefined> {
  const node = ctx.services.inventory.get(name);
  if (!node) {
    await ctx.reply.private(textView(`Unknown node \`${name}\`. Configured nodes: ${ctx.services.inventory.names().map((n) => `\`${n}\``).join(', ')}`));
  }
  return node;
}
