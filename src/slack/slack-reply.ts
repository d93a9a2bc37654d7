import type { RespondFn } from '@slack/bolt';
import { postedMessage, type ChatPort, type Reply } from '../surfaces/chat-port';
import { slackErrorOf } from './slack-queue';

/** Slack errors meaning "the bot cannot post in this channel": answer through response_url instead. */
const NOT_POSTABLE = new Set(['not_in_channel', 'channel_not_found', 'is_archived', 'restricted_action']);

/**
 * A Reply for a slash command: private answers are ephemeral via response_url; public ones are bot messages
 * through the chat port (updatable without response_url's 5-use limit), falling back to response_url when the
 * bot is not in the channel.
 */
export function slackReply(options: { respond: RespondFn; chat: ChatPort; channel: string }): Reply {
  const { respond, chat, channel } = options;
  return {
    async private(view) {
      await respond({ response_type: 'ephemeral', text: view.text, blocks: view.blocks });
    },
    async public(view, opts) {
      try {
        return postedMessage(chat, await chat.post(channel, view, opts?.threadTs ? { threadTs: opts.threadTs } : {}));
      } catch (err) {
        if (!NOT_POSTABLE.has(slackErrorOf(err) ?? '')) throw err;
        await respond({ response_type: 'in_channel', text: view.text, blocks: view.blocks });
        return {
          async update(next) {
            await respond({ replace_original: true, response_type: 'in_channel', text: next.text, blocks: next.blocks });
          },
        };
      }
    },
  };
}
