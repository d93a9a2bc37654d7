import type { types } from '@slack/bolt';

export type KnownBlock = types.KnownBlock;

/**
 * What a command shows, for every surface: `text` is complete on its own (the shell prints it, Slack uses it
 * for notifications and as the fallback), `blocks` is the Slack rendering of the same content.
 */
export interface View {
  text: string;
  blocks?: KnownBlock[];
  /** An intermediate state of a message that will be updated again (the shell skips these). */
  progress?: boolean;
}

/** A message that was posted and can be updated in place. */
export interface PostedMessage {
  channel?: string;
  ts?: string;
  update(view: View): Promise<void>;
}

/** How a command answers, whatever the surface. */
export interface Reply {
  /** Only the invoker sees it (Slack: ephemeral). Usage errors, refusals, help. */
  private(view: View): Promise<void>;
  /** Everyone in the channel sees it; the handle updates it in place (progress, results). */
  public(view: View, options?: { threadTs?: string }): Promise<PostedMessage>;
}
