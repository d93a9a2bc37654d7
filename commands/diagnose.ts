import { z } from 'zod';
import { diagnoseNode } from '../src/diagnosis/diagnose-node';
import type { CheckResult } from '../src/diagnosis/types';
import { diagnosisProgressView, diagnosisView } from '../src/render/diagnosis-blocks';
import { textView } from '../src/render/blocks';
import { argsOf, defineCommand, nodeArg, type CommandContext } from './command';
import { resolveNode } from './resolve-node';

export const diagnose = defineCommand({
  name: 'diagnose',
  usage: 'diagnose [node]',
  summary: "Run the runbook's investigation steps 1-5 and say the likely cause and what to do",
  args: argsOf(z.array(nodeArg).max(1), {}),
  sideEffects: false,
  async run(ctx, { positionals: [name] }) {
    const nodeName = name ?? (await ctx.services.incidentNodeForChannel(ctx.channelId));
    if (!nodeName) {
      await ctx.reply.private(textView('Usage: `/stemedb diagnose <node>` (no open incident in this channel to take the node from)'));
      return;
    }
    const node = await resolveNode(ctx, nodeName);
    if (node) await runDiagnosisInto(ctx, node.name);
  },
});

/** Posts the skeleton, fills it in as each check completes, ends with the verdict. Shared with the buttons. */
export async function runDiagnosisInto(ctx: CommandContext, nodeName: string, threadTs?: string): Promise<void> {
  const node = ctx.services.inventory.get(nodeName)!;
  const done: CheckResult[] = [];
  const message = await ctx.reply.public(diagnosisProgressView(node.name, done), { threadTs });
  const result = await diagnoseNode(ctx.services, node, {
    onCheck: (check) => {
      done.push(check);
      message.update(diagnosisProgressView(node.name, done)).catch((err: unknown) => ctx.services.log.warn({ err }, 'progress update failed'));
    },
  });
  const incidentId = (await ctx.services.store.incidents.openForNode(node.name))?.id;
  await message.update(diagnosisView(result, { node: node.name, incidentId }));
  // The chart follows the text in its thread (the shell: a sparkline, and the PNG with --charts DIR).
  ctx.services.charts.afterDiagnosis(result, { channel: message.channel ?? ctx.channelId ?? 'shell', threadTs: threadTs ?? message.ts });
  await ctx.services.diagnoses.publish(result, { channelId: ctx.channelId, userId: ctx.invoker.userId });
}
