import type { KnownBlock, View } from '../surfaces/view';

/** Block Kit limits (SPEC 10): exceeding them makes Slack refuse the whole message. */
export const LIMITS = { blocks: 50, sectionText: 3000, headerText: 150, buttonValue: 2000, actionId: 255, totalChars: 12000 } as const;

/** Cuts text to a limit, marking the cut so nobody mistakes it for the whole. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 2)} …`;
}

export function section(markdown: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: clip(markdown, LIMITS.sectionText) } };
}

export function header(text: string): KnownBlock {
  return { type: 'header', text: { type: 'plain_text', text: clip(text, LIMITS.headerText), emoji: true } };
}

export function context(markdown: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: clip(markdown, LIMITS.sectionText) }] };
}

export function divider(): KnownBlock {
  return { type: 'divider' };
}

export interface ButtonSpec {
  text: string;
  actionId: string;
  value: string;
  style?: 'primary' | 'danger';
}

export function actions(buttons: ButtonSpec[], blockId?: string): KnownBlock {
  return {
    type: 'actions',
    ...(blockId ? { block_id: blockId } : {}),
    elements: buttons.map((b) => ({
      type: 'button' as const,
      text: { type: 'plain_text' as const, text: clip(b.text, 75), emoji: true },
      action_id: clip(b.actionId, LIMITS.actionId),
      value: clip(b.value, LIMITS.buttonValue),
      ...(b.style ? { style: b.style } : {}),
    })),
  };
}

/** A plain message: the same text in the shell and in one Slack section. */
export function textView(text: string): View {
  return { text, blocks: [section(text)] };
}

/** Total characters of a message's blocks as Slack counts them (roughly: the JSON size). */
export function blocksSize(blocks: readonly KnownBlock[]): number {
  return JSON.stringify(blocks).length;
}
