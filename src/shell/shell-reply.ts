import type { PostedMessage, Reply } from '../surfaces/chat-port';
import type { View } from '../surfaces/view';

/**
 * The shell's Reply: prints text; progress states of a message are skipped, its final state is printed, and
 * an update that repeats what was printed is not printed again.
 */
export function shellReply(print: (text: string) => void): Reply {
  return {
    async private(view) {
      if (!view.progress) print(view.text);
    },
    async public(view): Promise<PostedMessage> {
      let last: string | undefined;
      const show = (next: View) => {
        if (next.progress || next.text === last) return;
        last = next.text;
        print(next.text);
      };
      show(view);
      return { update: async (next) => show(next) };
    },
  };
}
