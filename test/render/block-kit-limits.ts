import type { KnownBlock } from '../../src/surfaces/view';

/** Slack's Block Kit limits (SPEC 10), as the fake Slack enforces them. */
export const SLACK_LIMITS = { blocks: 50, sectionText: 3000, headerText: 150, actionId: 255, buttonValue: 2000, totalChars: 12_000 };

/** Every way these blocks break Slack's limits; empty when Slack would take them. */
export function blockKitProblems(blocks: readonly KnownBlock[] | undefined): string[] {
  if (!blocks) return ['no blocks'];
  const problems: string[] = [];
  if (blocks.length > SLACK_LIMITS.blocks) problems.push(`${blocks.length} blocks`);
  const size = JSON.stringify(blocks).length;
  if (size >= SLACK_LIMITS.totalChars) problems.push(`${size} characters of blocks`);
  blocks.forEach((block, i) => {
    const b = block as {
      type: string;
      text?: { text: string };
      elements?: Array<{ type: string; text?: string | { text: string }; action_id?: string; value?: string }>;
    };
    if (b.type === 'section' && (b.text?.text.length ?? 0) > SLACK_LIMITS.sectionText) problems.push(`section ${i}: ${b.text!.text.length} characters`);
    if (b.type === 'header' && (b.text?.text.length ?? 0) > SLACK_LIMITS.headerText) problems.push(`header: ${b.text!.text.length} characters`);
    for (const el of b.elements ?? []) {
      if ((el.action_id?.length ?? 0) > SLACK_LIMITS.actionId) problems.push(`block ${i}: action_id of ${el.action_id!.length}`);
      if ((el.value?.length ?? 0) > SLACK_LIMITS.buttonValue) problems.push(`block ${i}: button value of ${el.value!.length}`);
      if (typeof el.text === 'string' && el.text.length > SLACK_LIMITS.sectionText) problems.push(`block ${i}: context of ${el.text.length}`);
    }
  });
  return problems;
}
