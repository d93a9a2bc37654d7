import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { argsOf, booleanFlag, defineCommand, type CommandContext } from '../../commands/command';
import { dispatchCommand } from '../../src/dispatch/dispatch-command';
import type { View } from '../../src/surfaces/view';
import { startBot, type TestBot } from '../harness/start-bot';

const OPS = 'U0OPS';

/** Issue 12 item 4: `sideEffects` is enforced by the dispatcher (rule, audit, confirmation), not only a help label. */
describe('a side-effecting command, guarded by the dispatcher', () => {
  let bot: TestBot;
  const done: string[] = [];
  // A command of the bot's shape: it silences (operators only) and confirms with --confirm.
  const act = defineCommand({
    name: 'act',
    usage: 'act <thing> [--confirm]',
    summary: 'test',
    args: argsOf(z.tuple([z.string()]), { confirm: booleanFlag }),
    sideEffects: {
      rule: async (_ctx, { positionals: [thing] }) =>
        thing === 'nothing' ? { problem: 'There is no such thing.' } : { action: 'silence', auditAction: 'act', label: `act on ${thing}`, node: thing },
      confirm: {
        flag: 'confirm',
        preview: async (ctx, { positionals: [thing] }) => void (done.push(`preview ${thing}`), await ctx.reply.private({ text: `Really act on ${thing}?` })),
      },
    },
    run: async (ctx, { positionals: [thing] }) => void (done.push(`run ${thing}`), await ctx.reply.private({ text: `Acted on ${thing}.` })),
  });
  const dispatch = async (text: string, userId: string) => {
    const replies: string[] = [];
    const ctx: CommandContext = {
      surface: 'slack',
      invoker: { userId },
      channelId: 'C0ALERTS',
      services: { ...bot.runtime.services, commands: [act] },
      reply: {
        private: async (view: View) => void replies.push(view.text),
        public: async (view: View) => (replies.push(view.text), { update: async () => undefined }),
      },
    };
    const outcome = await dispatchCommand(text, ctx);
    return { outcome, replies };
  };

  beforeAll(async () => {
    bot = await startBot({ config: { access: { operators: { users: [OPS] } } } });
  }, 60_000);
  afterAll(async () => bot?.stop());

  it('without the confirm flag only the preview runs; with it, the command', async () => {
    done.length = 0;
    expect(await dispatch('act stemedb-1', OPS)).toEqual({ outcome: 'ok', replies: ['Really act on stemedb-1?'] });
    expect(await dispatch('act stemedb-1 --confirm', OPS)).toEqual({ outcome: 'ok', replies: ['Acted on stemedb-1.'] });
    expect(done).toEqual(['preview stemedb-1', 'run stemedb-1']);
  });

  it('the rule refuses (audited, via command) before the preview or the run; a problem is answered', async () => {
    done.length = 0;
    const refused = await dispatch('act stemedb-1 --confirm', 'U0MALLORY');
    expect(refused.outcome).toBe('refused');
    expect(refused.replies[0]).toContain(`Only operators (<@${OPS}>) may act on stemedb-1`);
    expect((await bot.runtime.services.store.audit.recent(5))[0]).toMatchObject({
      actor: 'U0MALLORY',
      action: 'act',
      node: 'stemedb-1',
      outcome: 'refused',
      detail: { via: 'command' },
    });
    expect(await dispatch('act nothing --confirm', OPS)).toEqual({ outcome: 'usage', replies: ['There is no such thing.'] });
    expect(done).toEqual([]);
  });
});
