import type { RespondFn } from '@slack/bolt';
import type { CommandContext } from '../../commands/command';
import type { Services } from '../app/services';
import { postedMessage, type ChatPort, type PostedMessage, type Reply } from '../surfaces/chat-port';
import type { View } from '../surfaces/view';

/** The parts of a block_actions payload a button handler needs. */
export interface ClickedButton {
  userId: string;
  userName?: string;
  channelId?: string;
  /** The clicked message: replies go in its thread. */
  messageTs?: string;
  threadTs?: string;
  value: string;
}

/** A CommandContext for a button click: private answers are ephemeral, public ones go in the message's thread. */
export function interactionContext(button: ClickedButton, respond: RespondFn, services: Services, chat: ChatPort): CommandContext {
  const threadTs = button.threadTs ?? button.messageTs;
  const reply: Reply = {
    async private(view) {
      await respond({ response_type: 'ephemeral', replace_original: false, text: view.text, blocks: view.blocks });
    },
    async public(view, opts): Promise<PostedMessage> {
      if (!button.channelId) {
        await respond({ response_type: 'in_channel', replace_original: false, text: view.text, blocks: view.blocks });
        return { update: async (next) => void (await respond({ response_type: 'in_channel', replace_original: false, text: next.text, blocks: next.blocks })) };
      }
      const thread = opts?.threadTs ?? threadTs;
      return postedMessage(chat, await chat.post(button.channelId, view, thread ? { threadTs: thread } : {}));
    },
  };
  return { surface: 'slack', invoker: { userId: button.userId, userName: button.userName }, channelId: button.channelId, services, reply };
}

/** Answers that replace the clicked ephemeral (a confirmation), so its buttons cannot be clicked again. */
export function replaceOriginal(respond: RespondFn): (view: View) => Promise<void> {
  return async (view) => void (await respond({ replace_original: true, response_type: 'ephemeral', text: view.text, blocks: view.blocks }));
}

/** One private sentence to the clicker that never throws (a failed handler's apology). */
export function tellClicker(respond: RespondFn): (text: string) => Promise<void> {
  return async (text) => void (await respond({ response_type: 'ephemeral', replace_original: false, text }).catch(() => undefined));
}

/** Reads the clicked button out of Bolt's block_actions body. */
export function clickedButton(body: unknown): ClickedButton {
  const b = body as {
    user?: { id?: string; username?: string; name?: string };
    channel?: { id?: string };
    container?: { channel_id?: string; message_ts?: string; thread_ts?: string };
    message?: { ts?: string; thread_ts?: string };
    actions?: { value?: string }[];
  };
  return {
    userId: b.user?.id ?? 'unknown',
    userName: b.user?.username ?? b.user?.name,
    channelId: b.channel?.id ?? b.container?.channel_id,
    messageTs: b.message?.ts ?? b.container?.message_ts,
    threadTs: b.message?.thread_ts ?? b.container?.thread_ts,
    value: b.actions?.[0]?.value ?? '',
  };
}
