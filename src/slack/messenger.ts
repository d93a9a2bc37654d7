import { toPlainText } from '../shell/plain-text';
import type { View } from '../surfaces/view';
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
  /** Uploads a text file into a channel (or a thread in it); optional: a messenger without files says nothing. */
  uploadFile?(channel: string, file: UploadFile, options?: { threadTs?: string; priority?: SlackPriority }): Promise<{ fileId: string }>;
}

export interface UploadFile {
  filename: string;
  title: string;
  content: string;
  /** A line posted with the file. */
  comment?: string;
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
    uploadFile: (channel, file, options = {}) => uploadExternal(queue, channel, file, options.threadTs, options.priority ?? 'status'),
  };
}

/**
 * Slack's external upload (what files.uploadV2 does): get an upload URL, POST the bytes there, then complete
 * the upload into the channel or thread. Each Web API call goes through the paced queue.
 */
async function uploadExternal(queue: SlackQueue, channel: string, file: UploadFile, threadTs: string | undefined, priority: SlackPriority): Promise<{ fileId: string }> {
  const bytes = Buffer.from(file.content, 'utf8');
  const target = await queue.send({ method: 'files.getUploadURLExternal', args: { filename: file.filename, length: bytes.length }, priority });
  const uploadUrl = String(target.upload_url ?? '');
  const fileId = String(target.file_id ?? '');
  if (!/^https?:\/\//.test(uploadUrl) || !fileId) throw new Error('Slack did not return an upload URL');
  const res = await fetch(uploadUrl, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes, signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`uploading ${file.filename} failed: HTTP ${res.status}`);
  await queue.send({
    method: 'files.completeUploadExternal',
    args: { files: [{ id: fileId, title: file.title }], channel_id: channel, ...(threadTs ? { thread_ts: threadTs } : {}), ...(file.comment ? { initial_comment: file.comment } : {}) },
    priority,
    channel,
  });
  return { fileId };
}

/** The local shell's messenger: prints what would go to Slack, so flows behave the same without it. */
export function createConsoleMessenger(printRaw: (text: string) => void): Messenger {
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
    async uploadFile(channel, file, options) {
      print(`[${channel}${options?.threadTs ? ' thread' : ''}] file ${file.filename} (${file.title}, ${file.content.length} characters)${file.comment ? `: ${file.comment}` : ''}`);
      return { fileId: `local-${++seq}` };
    },
  };
}
