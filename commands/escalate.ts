import { z } from 'zod';
import { didYouMean } from '../src/dispatch/did-you-mean';
import { escalateReply } from '../src/escalation/escalation-replies';
import { textView } from '../src/render/blocks';
import { argsOf, defineCommand, nodeArg } from './command';
import { resolveNode } from './resolve-node';

const MAX_REASON = 300;

/**
 * Not `sideEffects`: typing it is the deliberate act, paging only adds, and the runbook says "escalate
 * immediately". On an incident whose chain runs (or was acked) it pages the next level now, never the one that
 * acked; `--level N` picks the level. `resolve`, which ends paging everywhere, does confirm.
 */
export const escalate = defineCommand({
  name: 'escalate',
  usage: 'escalate [node] [--level N] [reason...]',
  summary:
    "Page the runbook's escalation chain (Storage SRE, then database engineer, then principal engineer + manager) until someone acknowledges; while it runs, pages the next level now",
  args: argsOf(z.array(z.string()), { level: z.union([z.literal(true), z.string().regex(/^\d{1,2}$/, 'a level number such as 2')]).optional() }),
  recordBeforeAck: true,
  sideEffects: false,
  async run(ctx, { positionals: given, flags }) {
    const { services } = ctx;
    // `--level 2` arrives as a bare flag and a positional "2"; `--level=2` as a value.
    let positionals = given;
    let levelText = typeof flags.level === 'string' ? flags.level : undefined;
    if (flags.level === true) {
      const at = positionals.findIndex((w) => /^\d{1,2}$/.test(w));
      if (at < 0) return void (await ctx.reply.private(textView('Usage: `/stemedb escalate [node] --level N [reason...]` (N: the level to page, 1 = first)')));
      levelText = positionals[at];
      positionals = positionals.filter((_, i) => i !== at);
    }
    const level = levelText !== undefined ? Number(levelText) - 1 : undefined;
    const [first, ...rest] = positionals;
    let node = first && services.inventory.get(first) ? first : undefined;
    let words = node ? rest : positionals;
    if (!node) {
      // A near miss of a node name is a typo, not the first word of the reason.
      const typo = first !== undefined && nodeArg.safeParse(first).success && didYouMean(first, services.inventory.names()) !== undefined;
      node = typo ? undefined : await services.incidentNodeForChannel(ctx.channelId);
      if (!node) {
        if (first && nodeArg.safeParse(first).success) return void (await resolveNode(ctx, first));
        return void (await ctx.reply.private(
          textView('Usage: `/stemedb escalate <node> [reason...]` (no open incident in this channel to take the node from)'),
        ));
      }
      words = positionals;
    }
    const reason = words.join(' ').slice(0, MAX_REASON).trim();
    const outcome = await services.escalations.escalate({
      node,
      by: ctx.invoker.userId,
      trigger: 'command',
      reasons: reason ? [`${reason} (${ctx.invoker.userName ?? ctx.invoker.userId})`] : [],
      originChannel: ctx.channelId,
      ...(level !== undefined ? { level } : {}),
    });
    await ctx.reply.private(escalateReply(outcome));
  },
});
