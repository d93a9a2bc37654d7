import type { PostedMessage, Reply, View } from '../surfaces/view';
import { toPlainText } from './plain-text';

/** The shell's Reply: prints text; progress states of a message are skipped, its final state is printed. */
export function shellReply(print: (text: string) => void): Reply {
  const show = (view: View) => {
    if (!view.progress) print(toPlainText(view.text));
  };
  return {
    async private(view) {
      show(view);
    },
    async public(view): Promise<PostedMessage> {
      show(view);
      return { update: async (next) => show(next) };
    },
  };
}
