import type { App } from '@slack/bolt';
import type { CommandContext } from '../../commands/command';
import { authorizeAction, type ActionRequest } from '../access/action-rules';
import { textView } from '../render/blocks';
import { clickedButton, interactionContext, type ClickedButton } from './interaction-context';
import type { SlackDeps } from './interaction-module';

/** What a button names, looked up on the bot's side; a `problem` (audited by the lookup) is the answer. */
export type ButtonLookup<T> = T | { problem: string };

export interface RuledButtonSpec<T extends object> {
  actionId: string;
  /** The target the click names (never trusted from the click itself). */
  target(button: ClickedButton): ButtonLookup<T> | Promise<ButtonLookup<T>>;
  /** The access rule to apply (access/action-rules.ts): who, where, for what. */
  rule(target: T, button: ClickedButton): Omit<ActionRequest, 'userId' | 'surface' | 'channelId' | 'via'>;
  /** Runs only when the target was found and the rule allowed the click. */
  run(ctx: CommandContext, target: T, button: ClickedButton): Promise<void>;
}

/**
 * The middleware every acting button goes through, in this order: ack at once (Slack's 3 s), read the click,
 * look its target up, apply the one rule set (channel restriction, permission; refusals audited there), then the
 * handler. A handler cannot forget a step, and commands get the same rules from the dispatcher.
 */
export function ruledButton<T extends object>(app: App, { services, chat }: SlackDeps, spec: RuledButtonSpec<T>): void {
  app.action(spec.actionId, async ({ ack, body, respond }) => {
    await ack();
    const button = clickedButton(body);
    const ctx = interactionContext(button, respond, services, chat);
    const target = await spec.target(button);
    if ('problem' in target) return void (await ctx.reply.private(textView(target.problem)));
    const rule = await authorizeAction(services, { ...spec.rule(target, button), userId: button.userId, surface: 'slack', channelId: button.channelId, via: 'button' });
    if (!rule.allowed) return void (await ctx.reply.private(textView(rule.refusal)));
    await spec.run(ctx, target, button);
  });
}
