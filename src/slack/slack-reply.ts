import type { RespondFn } from '@slack/bolt';
import type { PostedMessage, Reply, View } from '../surfaces/view';
import { slackErrorOf, type SlackQueue } from './slack-queue';

/** Slack errors meaning "the bot cannot post in this channel": answer through response_url instead. */
const NOT_POSTABLE = new Set(['not_in_channel', 'channel_not_found', 'is_archived', 'restricted_action']);

/**
 * A Reply for a slash command: private answers are ephemeral via response_url; public ones are bot messages
 * (updatable without response_url's 5-use limit), falling back to response_url when the bot is not in the channel.
 */
export function slackReply(options: { respond: RespondFn; queue: SlackQueue; channel: string }): Reply {
  const { respond, queue, channel } = options;
  return {
    async private(view) {
      await respond({ response_type: 'ephemeral', text: view.text, blocks: view.blocks });
    },
    async public(view, opts) {
      try {
        return await postMessage(queue, channel, view, opts?.threadTs);
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

/** Posts a bot message through the queue; the handle's updates coalesce so only the newest state is sent. */
export async function postMessage(queue: SlackQueue, channel: string, view: View, threadTs?: string, priority: 'page' | 'status' | 'detail' = 'status'): Promise<PostedMessage> {
  const result = await queue.send({
    method: 'chat.postMessage',
    args: { channel, text: view.text, blocks: view.blocks, ...(threadTs ? { thread_ts: threadTs } : {}), unfurl_links: false },
    priority,
    channel,
  });
  const ts = String(result.ts);
  const postedChannel = String(result.channel ?? channel);
  return { channel: postedChannel, ts, update: (next) => updateMessage(queue, postedChannel, ts, next, priority) };
}

export async function updateMessage(queue: SlackQueue, channel: string, ts: string, view: View, priority: 'page' | 'status' | 'detail' = 'status'): Promise<void> {
  await queue.send({
    method: 'chat.update',
    args: { channel, ts, text: view.text, blocks: view.blocks },
    priority,
    channel,
    coalesceKey: `update:${channel}:${ts}`,
  });
}
