import { z } from 'zod';
import { textView } from '../src/render/blocks';
import { argsOf, booleanFlag, defineCommand, nodeArg } from './command';
import { resolveNode } from './resolve-node';

export const compact = defineCommand({
  name: 'compact',
  usage: 'compact <node> [--force] [--dry-run]',
  summary: "The runbook's manual LSM compaction, watched to the end, then the alert re-checked (operators; the local shell asks for --yes)",
  args: argsOf(z.tuple([nodeArg]), { force: booleanFlag, 'dry-run': booleanFlag, yes: booleanFlag }),
  // Confirmed by the button of the pending confirmation the service offers; the service applies the compact rule.
  sideEffects: { confirm: 'button' },
  async run(ctx, { positionals: [name], flags }) {
    if (flags.yes && ctx.surface === 'slack') {
      await ctx.reply.private(textView('`--yes` is for the local shell: in Slack, confirm with the button.'));
      return;
    }
    const node = await resolveNode(ctx, name);
    if (!node) return;
    const service = ctx.services.compaction;
    // In the incident's channel, progress goes in the incident thread (slash commands cannot be typed in threads).
    const incident = await ctx.services.store.incidents.openForNode(node.name);
    const threadTs = incident && incident.channel === ctx.channelId ? (incident.threadTs ?? undefined) : undefined;
    await service.request(
      {
        node,
        force: flags.force,
        dryRun: flags['dry-run'],
        yes: flags.yes,
        incidentId: incident?.id,
        actor: { userId: ctx.invoker.userId, userName: ctx.invoker.userName, surface: ctx.surface },
        channelId: ctx.channelId,
        threadTs,
      },
      ctx.reply,
    );
  },
});
