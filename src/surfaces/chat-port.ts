import type { View } from './view';

/**
 * The one outbound chat port (issue 12): how every feature posts, whatever carries the message. Two adapters:
 * Slack (src/slack/slack-chat.ts, over the one paced queue) and the console (src/shell/: the demo shell and the
 * CLIs print what would be posted). A new chat platform is a third adapter of this interface plus its Reply.
 */

/** Which messages go first when the chat platform paces us: pages, then status, then detail. */
export type ChatPriority = 'page' | 'status' | 'detail';

/** Where a posted message is, to update it or reply in its thread. */
export interface MessageRef {
  channel: string;
  ts: string;
}

export interface UploadFile {
  bytes: Buffer;
  filename: string;
  title: string;
}

export interface UploadOptions {
  threadTs?: string;
  /** Posted with the file (Slack's `initial_comment`). */
  comment?: string;
  priority?: ChatPriority;
}

export interface PostOptions {
  threadTs?: string;
  priority?: ChatPriority;
  mentionsOk?: boolean;
  beforeSend?: () => Promise<void>;
}

export type DmOptions = Pick<PostOptions, 'priority' | 'beforeSend'>;

/** Bot-initiated messages: alert threads, pages, progress, reports, charts. */
export interface ChatPort {
  /**
   * Posts to a channel, or replies in a thread of it with `threadTs`; resolves with where the message is.
   * `beforeSend` runs right before the message leaves (after any wait for the channel's pace); a rejection
   * drops the post, which rejects with it (a lease lost while waiting: another process posts it).
   */
  post(channel: string, view: View, options?: PostOptions): Promise<MessageRef>;
  update(channel: string, ts: string, view: View, priority?: ChatPriority): Promise<void>;
  /** A direct message to a user (Slack opens the DM channel first); `beforeSend` as for `post`. */
  dm(userId: string, view: View, options?: DmOptions): Promise<MessageRef>;
  /** A file (a chart, a postmortem draft) into a channel or thread; the shell writes it to its charts dir. */
  uploadFile(channel: string, file: UploadFile, options?: UploadOptions): Promise<void>;
  /** Members of a user group (the escalation chain's Slack groups); the console has none. */
  userGroupMembers(groupId: string): Promise<string[]>;
}

/** A message that was posted and can be updated in place. */
export interface PostedMessage {
  channel?: string;
  ts?: string;
  update(view: View): Promise<void>;
}

/**
 * How a command or a click is answered, whatever the surface. Each surface builds it over its ChatPort: Slack
 * adds the invocation's response_url (ephemeral answers, channels the bot is not in), the shell prints.
 */
export interface Reply {
  /** Only the invoker sees it (Slack: ephemeral). Usage errors, refusals, help. */
  private(view: View): Promise<void>;
  /** Everyone in the channel sees it; the handle updates it in place (progress, results). */
  public(view: View, options?: { threadTs?: string }): Promise<PostedMessage>;
}

/** The handle of a message already posted (or found in the store after a restart). */
export function postedMessage(chat: ChatPort, ref: MessageRef, priority?: ChatPriority): PostedMessage {
  return { channel: ref.channel, ts: ref.ts, update: (view) => chat.update(ref.channel, ref.ts, view, priority) };
}

/**
 * Public answers as bot messages in a channel: in `threadTs` when given, else in the thread the caller names
 * (a follow-up to a message). For flows with no invocation to answer (a confirmed click, a resumed run).
 */
export function channelAnswers(chat: ChatPort, channel: string, threadTs?: string): Pick<Reply, 'public'> {
  return {
    async public(view, options) {
      const thread = threadTs ?? options?.threadTs;
      return postedMessage(chat, await chat.post(channel, view, thread ? { threadTs: thread } : {}));
    },
  };
}
