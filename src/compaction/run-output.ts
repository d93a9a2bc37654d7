import type { Services } from '../app/services';
import type { PostedMessage, Reply, View } from '../surfaces/view';

/** Where a run's messages go: Slack through the messenger, or the shell's printer. */
export interface RunOutput {
  /** Posts the progress message. */
  post(view: View): Promise<PostedMessage>;
  /** Posts in the thread of the progress message (the closed-loop re-check). */
  followUp(view: View, message: PostedMessage): Promise<void>;
}

/** The shell: every final state is printed; progress states are skipped by the shell's reply. */
export function replyOutput(reply: Reply): RunOutput {
  return { post: (view) => reply.public(view), followUp: async (view) => void (await reply.public(view)) };
}

/** Progress as a bot message (updatable after a restart), follow-ups in its thread. */
export function messengerOutput(services: Pick<Services, 'log' | 'messenger'>, channel: string, threadTs: string | undefined): RunOutput {
  return {
    async post(view) {
      const posted = await services.messenger.post(channel, view, { threadTs });
      return { channel: posted.channel, ts: posted.ts, update: (next) => services.messenger.update(posted.channel, posted.ts, next) };
    },
    async followUp(view, message) {
      await services.messenger.post(message.channel ?? channel, view, { threadTs: threadTs ?? message.ts });
    },
  };
}

/** A resumed shell run has nowhere to post: the log gets the outcome. */
export function logOutput(services: Pick<Services, 'log'>): RunOutput {
  const update = async (view: View) => void (view.progress || services.log.warn({ text: view.text }, 'compaction update'));
  return { post: async (view) => (await update(view), { update }), followUp: async (view) => update(view) };
}
