import { z } from 'zod';
import { describePrincipals, refusalText } from '../src/access/access-control';
import { auditView } from '../src/access/audit-view';
import { textView } from '../src/render/blocks';
import { argsOf, defineCommand } from './command';

/** The most entries one answer shows (Slack's message limits). */
export const MAX_AUDIT_ENTRIES = 50;

export const audit = defineCommand({
  name: 'audit',
  usage: 'audit [n]',
  summary: `The last n audit log entries: who did what to which node, and how it ended (operators; default 10, at most ${MAX_AUDIT_ENTRIES})`,
  args: argsOf(
    z
      .array(
        z
          .string()
          .regex(/^\d{1,6}$/, 'a number of entries such as 20')
          .transform(Number),
      )
      .max(1),
    {},
  ),
  sideEffects: false,
  async run(ctx, { positionals: [asked = 10] }) {
    const { services } = ctx;
    if (ctx.surface === 'slack' && !(await services.access.isOperator(ctx.invoker.userId))) {
      await services.store.audit.record({ actor: ctx.invoker.userId, action: 'audit', outcome: 'refused', detail: { reason: 'not allowed' } }, services.now());
      const operators = describePrincipals(services.access.operators);
      await ctx.reply.private(textView(refusalText('read the audit log', operators ? [`operators (${operators})`] : [])));
      return;
    }
    const n = Math.min(MAX_AUDIT_ENTRIES, Math.max(1, asked));
    await ctx.reply.private(auditView(await services.store.audit.recent(n), asked));
  },
});
