import type { App } from '@slack/bolt';
import type { CommandContext } from '../../commands/command';
import { authorizeAction, type ActionRequest } from '../access/action-rules';
import type { Redeemed } from '../access/pending-actions';
import { textView } from '../render/blocks';
import type { Reply } from '../surfaces/chat-port';
import { clickedButton, interactionContext, type ClickedButton } from './interaction-context';
import type { SlackDeps } from './interaction-module';

/** What a button names, looked up on the bot's side; a `problem` (audited by the lookup) is the answer. */
export type ButtonLookup<T> = T | { problem: string };

export interface RuledButtonSpec<T extends object> {
  actionId: string;
  /**
   * A confirming button (its value is the id of a pending action of this kind): the middleware redeems the
   * record (once, by a user it was issued to, before it expires) and hands the outcome to `target`.
   */
  confirms?: string;
  /** The target the click names (never trusted from the click itself); a confirming button gets the redeemed record. */
  target(button: ClickedButton, confirmation?: Redeemed<Record<string, unknown>>): ButtonLookup<T> | Promise<ButtonLookup<T>>;
  /** The access rule to apply (access/action-rules.ts): who, where, for what. */
  rule(target: T, button: ClickedButton): RuleOf | Promise<RuleOf>;
  /** Runs only when the target was found and the rule allowed the click. */
  run(ctx: CommandContext, target: T, button: ClickedButton): Promise<void>;
  /** Private answers replace the clicked message (an ephemeral confirmation, so its buttons cannot be clicked twice). */
  replaceOriginal?: boolean;
}

type RuleOf = Omit<ActionRequest, 'userId' | 'surface' | 'channelId' | 'via'>;

/**
 * The middleware every acting button goes through, in this order: ack at once (Slack's 3 s) and hand the rest
 * to the ack-first work pool; read the click; redeem its confirmation record when the button confirms; look
 * its target up; apply the one rule set (channel restriction, permission; refusals audited there); then the
 * handler. A handler cannot forget a step, and commands get the same rules from the dispatcher. A failing
 * handler tells the clicker in one sentence; the log gets the stack.
 */
export function ruledButton<T extends object>(app: App, { services, chat, work }: SlackDeps, spec: RuledButtonSpec<T>): void {
  app.action(spec.actionId, async ({ ack, body, respond }) => {
    work.noteArrival();
    await ack();
    const button = clickedButton(body);
    const base = interactionContext(button, respond, services, chat);
    const reply: Reply = spec.replaceOriginal
      ? {
          ...base.reply,
          private: async (view) => void (await respond({ replace_original: true, response_type: 'ephemeral', text: view.text, blocks: view.blocks })),
        }
      : base.reply;
    const ctx: CommandContext = { ...base, reply };
    work.run(async () => {
      try {
        const confirmation =
          spec.confirms === undefined ? undefined : await services.store.pendingActions.redeem(button.value, spec.confirms, button.userId, services.now());
        const target = await spec.target(button, confirmation);
        if ('problem' in target) return void (await reply.private(textView(target.problem)));
        const rule = await authorizeAction(services, {
          ...(await spec.rule(target, button)),
          userId: button.userId,
          surface: 'slack',
          channelId: button.channelId,
          via: 'button',
        });
        if (!rule.allowed) return void (await reply.private(textView(rule.refusal)));
        await spec.run(ctx, target, button);
      } catch (err) {
        services.log.error({ err, action: spec.actionId }, 'button handler failed');
        await respond({
          response_type: 'ephemeral',
          replace_original: false,
          text: ":warning: Something went wrong with that button; the bot's log has the details.",
        }).catch(() => undefined);
      }
    });
  });
}
