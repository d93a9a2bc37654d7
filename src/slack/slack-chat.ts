import type { ChatPort } from '../surfaces/chat-port';
import { uploadFile } from './file-upload';
import type { SlackQueue } from './slack-queue';

/** The chat port on Slack: every call goes through the one paced queue (per-channel pacing, priorities, retries). */
export function createSlackChat(queue: SlackQueue): ChatPort {
  const post: ChatPort['post'] = async (channel, view, options = {}) => {
    const result = await queue.send({
      method: 'chat.postMessage',
      args: { channel, text: view.text, blocks: view.blocks, unfurl_links: false, ...(options.threadTs ? { thread_ts: options.threadTs } : {}) },
      priority: options.priority ?? 'status',
      channel,
      ...(options.beforeSend ? { beforeSend: options.beforeSend } : {}),
    });
    return { channel: String(result.channel ?? channel), ts: String(result.ts) };
  };
  return {
    post,
    async update(channel, ts, view, priority = 'status') {
      // Updates of one message coalesce in the queue: only the newest state is sent.
      await queue.send({
        method: 'chat.update',
        args: { channel, ts, text: view.text, blocks: view.blocks },
        priority,
        channel,
        coalesceKey: `update:${channel}:${ts}`,
      });
    },
    async dm(userId, view, { priority = 'page', beforeSend } = {}) {
      const opened = await queue.send({ method: 'conversations.open', args: { users: userId }, priority });
      const channel = String((opened.channel as { id?: string } | undefined)?.id ?? '');
      if (!channel) throw new Error(`Slack did not open a DM with ${userId}`);
      return post(channel, view, { priority, ...(beforeSend ? { beforeSend } : {}) });
    },
    async userGroupMembers(groupId) {
      const result = await queue.send({ method: 'usergroups.users.list', args: { usergroup: groupId }, priority: 'page' });
      return (result.users as string[] | undefined) ?? [];
    },
    async uploadFile(channel, file, options) {
      await uploadFile(queue, channel, file, options);
    },
  };
}
