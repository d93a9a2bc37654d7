import type { ChatPort } from '../surfaces/chat-port';
import { toPlainText } from './plain-text';
import { saveUpload } from './save-upload';

/** The chat port of the CLIs (and the runtime's default): prints what would go to Slack, so flows behave the same without it. */
export function createConsoleChat(printRaw: (text: string) => void, options: { chartsDir?: string } = {}): ChatPort {
  const print = (text: string) => printRaw(toPlainText(text));
  let seq = 0;
  const ts = () => `${Math.floor(Date.now() / 1000)}.${String(++seq).padStart(6, '0')}`;
  return {
    async post(channel, view, options) {
      await options?.beforeSend?.(); // a lost claim drops the post here too
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
