import { toPlainText } from '../shell/plain-text';
import type { View } from '../surfaces/view';
import { saveUpload } from '../shell/save-upload';
import { uploadFile, type UploadFile, type UploadOptions } from './file-upload';
import type { SlackPriority, SlackQueue } from './slack-queue';

/**
 * Bot-initiated messages (alert threads, pages, progress), whatever carries them: Slack through the one
 * paced queue, or the local shell's console. Flows depend on this, not on Slack's client.
 */
export interface Messenger {
  /** Posts to a channel (or a thread in it); resolves with the message's ts. */
  post(channel: string, view: View, options?: { threadTs?: string; priority?: SlackPriority; mentionsOk?: boolean }): Promise<{ channel: string; ts: string }>;
  update(channel: string, ts: string, view: View, priority?: SlackPriority): Promise<void>;
  /** A direct message to a user (opens the DM channel first). */
  dm(userId: string, view: View, priority?: SlackPriority): Promise<{ channel: string; ts: string }>;
  /** Members of a Slack user group. */
  userGroupMembers(groupId: string): Promise<string[]>;
  /** A file (a chart, a postmortem draft) into a channel or thread: Slack's files.uploadV2; the shell writes it to its charts dir. */
  uploadFile?(channel: string, file: UploadFile, options?: UploadOptions): Promise<void>;
}

export function createSlackMessenger(queue: SlackQueue): Messenger {
  const post: Messenger['post'] = async (channel, view, options = {}) => {
    const result = await queue.send({
      method: 'chat.postMessage',
      args: { channel, text: view.text, blocks: view.blocks, unfurl_links: false, ...(options.threadTs ? { thread_ts: options.threadTs } : {}) },
      priority: options.priority ?? 'status',
      channel,
    });
    return { channel: String(result.channel ?? channel), ts: String(result.ts) };
  };
  return {
    post,
    async update(channel, ts, view, priority = 'status') {
      await queue.send({ method: 'chat.update', args: { channel, ts, text: view.text, blocks: view.blocks }, priority, channel, coalesceKey: `update:${channel}:${ts}` });
    },
    async dm(userId, view, priority = 'page') {
      const opened = await queue.send({ method: 'conversations.open', args: { users: userId }, priority });
      const channel = String((opened.channel as { id?: string } | undefined)?.id ?? '');
      if (!channel) throw new Error(`Slack did not open a DM with ${userId}`);
      return post(channel, view, { priority });
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

/** The local shell's messenger: prints what would go to Slack, so flows behave the same without it. */
export function createConsoleMessenger(printRaw: (text: string) => void, options: { chartsDir?: string } = {}): Messenger {
  const print = (text: string) => printRaw(toPlainText(text));
  let seq = 0;
  const ts = () => `${Math.floor(Date.now() / 1000)}.${String(++seq).padStart(6, '0')}`;
  return {
    async post(channel, view, options) {
      if (!view.progress) print(`[${channel}${options?.threadTs ? ' thread' : ''}] ${view.text}`);
      return { channel, ts: ts() };
    },
    async update(channel, _ts, view) {
      if (!view.progress) print(`[${channel} updated] ${view.text}`);
    },
    async dm(userId, view) {
      print(`[DM to ${userId}] ${view.text}`);
      return { channel: `D${userId}`, ts: ts() };
    },
    async userGroupMembers() {
      return [];
    },
    async uploadFile(channel, file, upload) {
      saveUpload(options.chartsDir, channel, file, upload, print);
    },
  };
}
