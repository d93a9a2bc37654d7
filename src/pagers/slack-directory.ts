import { z } from 'zod';
import { slackErrorOf, type SlackMethod, type SlackQueue } from '../slack/slack-queue';

export type SlackUserStatus = 'active' | 'deactivated' | 'bot' | 'missing';

/**
 * What escalation reads back from Slack: whether a page it may have posted before a crash is there (so an
 * in-flight page is confirmed rather than sent twice), and whether a user can be paged at all.
 */
export interface SlackDirectory {
  /** The message whose blocks carry `marker` as a block_id, posted since `sinceMs`, in the user's DM or the channel/thread. */
  findMarked(
    where: { userId: string } | { channel: string; threadTs?: string },
    marker: string,
    sinceMs: number,
  ): Promise<{ channel: string; ts: string } | undefined>;
  userStatus(userId: string): Promise<SlackUserStatus>;
}

const HISTORY: SlackMethod = 'conversations.history';
const REPLIES: SlackMethod = 'conversations.replies';

const messagesSchema = z.object({
  messages: z.array(z.object({ ts: z.string(), blocks: z.array(z.object({ block_id: z.string().optional() }).loose()).optional() }).loose()).default([]),
  response_metadata: z.object({ next_cursor: z.string().optional() }).loose().optional(),
});

/** Pages of history read for one look: a busy alert channel (a storm) has more than one page since `sinceMs`. */
const MAX_PAGES = 10;

const userSchema = z.object({ user: z.object({ deleted: z.boolean().optional(), is_bot: z.boolean().optional() }).loose() });

/** The directory over the one Slack queue (page priority: it runs on the paging path). */
export function createSlackDirectory(queue: SlackQueue): SlackDirectory {
  return {
    async findMarked(where, marker, sinceMs) {
      let channel: string;
      if ('userId' in where) {
        const opened = await queue.send({ method: 'conversations.open', args: { users: where.userId }, priority: 'page' });
        channel = String((opened.channel as { id?: string } | undefined)?.id ?? '');
        if (!channel) return undefined;
      } else {
        channel = where.channel;
      }
      const threadTs = 'threadTs' in where ? where.threadTs : undefined;
      const oldest = (Math.floor(sinceMs / 1000) - 1).toString();
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const paging = cursor ? { cursor } : {};
        const answer = threadTs
          ? await queue.send({ method: REPLIES, args: { channel, ts: threadTs, oldest, limit: 200, ...paging }, priority: 'page' })
          : await queue.send({ method: HISTORY, args: { channel, oldest, limit: 100, ...paging }, priority: 'page' });
        const { messages, response_metadata } = messagesSchema.parse(answer);
        // Markers are unique per page, so any message carrying it is that page: no need to compare times.
        const found = messages.find((m) => (m.blocks ?? []).some((b) => b.block_id === marker));
        if (found) return { channel, ts: found.ts };
        cursor = response_metadata?.next_cursor || undefined;
        if (!cursor) return undefined;
      }
      return undefined;
    },
    async userStatus(userId) {
      try {
        const { user } = userSchema.parse(await queue.send({ method: 'users.info', args: { user: userId }, priority: 'status' }));
        if (user.deleted) return 'deactivated';
        return user.is_bot ? 'bot' : 'active';
      } catch (err) {
        if (['user_not_found', 'users_not_found'].includes(slackErrorOf(err) ?? '')) return 'missing';
        throw err;
      }
    },
  };
}
