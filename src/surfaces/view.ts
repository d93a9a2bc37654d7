/**
 * The Block Kit blocks the bot builds (src/render/blocks.ts), typed here so renderers do not depend on Slack's
 * SDK; the Slack adapter sends them as they are. Adding a kind of block starts here.
 */
export interface TextObject {
  type: 'mrkdwn' | 'plain_text';
  text: string;
  emoji?: boolean;
}

export interface ButtonElement {
  type: 'button';
  text: TextObject & { type: 'plain_text' };
  action_id: string;
  value: string;
  style?: 'primary' | 'danger';
}

export type KnownBlock =
  | { type: 'section'; block_id?: string; text: TextObject }
  | { type: 'header'; block_id?: string; text: TextObject & { type: 'plain_text' } }
  | { type: 'context'; block_id?: string; elements: TextObject[] }
  | { type: 'divider'; block_id?: string }
  | { type: 'actions'; block_id?: string; elements: ButtonElement[] };

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
