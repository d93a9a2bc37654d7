import type { ChatPort } from '../surfaces/chat-port';
import type { View } from '../surfaces/view';
import { saveUpload } from './save-upload';

/**
 * The demo shell's chat port, its stand-in for Slack: what would be posted is printed once, labelled with where
 * it would go. An update that changes nothing (a thread message re-rendered with the same content) is not
 * printed again.
 */
export function createShellChat(print: (text: string) => void, options: { chartsDir?: string } = {}): ChatPort {
  const lastText = new Map<string, string>();
  let seq = 0;
  const newTs = () => `${Math.floor(Date.now() / 1000)}.${String(++seq).padStart(6, '0')}`;
  const show = (ts: string, label: string, view: View) => {
    if (view.progress || lastText.get(ts) === view.text) return;
    lastText.set(ts, view.text);
    print(`${label} ${view.text}`);
  };
  return {
    async post(channel, view, options) {
      await options?.beforeSend?.(); // a lost claim drops the post here too
      const ts = newTs();
      show(ts, `[${channel}${options?.threadTs ? ' thread' : ''}]`, view);
      return { channel, ts };
    },
    async update(channel, ts, view) {
      show(ts, `[${channel} updated]`, view);
    },
    async dm(userId, view) {
      const ts = newTs();
      show(ts, `[DM to <@${userId}>]`, view);
      return { channel: `D${userId}`, ts };
    },
    async userGroupMembers() {
      return [];
    },
    async uploadFile(channel, file, upload) {
      saveUpload(options.chartsDir, channel, file, upload, print);
    },
  };
}
