import { formatDuration } from '../config/duration';
import { actions, blocksSize, clip, context, header, LIMITS, section } from '../render/blocks';
import type { KnownBlock, View } from '../surfaces/view';
import type { OutboxPayload, PageContext } from './outbox-rows';
import { clockTime, escapeSlack, packetHeadline, packetSections } from './packet-text';

/** Button action ids of escalation messages; the value is JSON `{incidentId}`. */
export const ESCALATION_ACTIONS = { ack: 'escalation_ack', resolve: 'escalation_resolve' } as const;

export type ThreadPayload = Extract<OutboxPayload, { kind: 'slack_thread' }>;

/** How one target of a level fared, for the level's post in the thread. */
export interface TargetOutcome {
  label: string;
  status: 'pending' | 'sending' | 'sent' | 'failed' | 'cancelled';
  at: number | null;
  error: string | null;
}

function ackButton(incidentId: string, marker: string): KnownBlock {
  return actions([{ text: 'Acknowledge', actionId: ESCALATION_ACTIONS.ack, value: JSON.stringify({ incidentId }), style: 'primary' }], marker);
}

function withMarker(block: KnownBlock, marker: string): KnownBlock {
  return { ...block, block_id: marker } as KnownBlock;
}

function deadlineLine(page: PageContext): string {
  if (!page.nextLevelName) return `Last level of the chain: acknowledge within ${formatDuration(page.ackTimeoutMs)}; after that paging stops.`;
  return `Acknowledge within ${formatDuration(page.ackTimeoutMs)} or the chain moves on to *${escapeSlack(page.nextLevelName)}*.`;
}

/** The DM a paged person gets: the escalation packet and an Acknowledge button. */
export function pageView(page: PageContext, options: { marker: string; threadLink?: string; viaGroup?: string }): View {
  const p = page.packet;
  const who = `level ${page.level + 1} of ${page.levelCount}: ${escapeSlack(page.levelName)}${page.round > 1 ? `, round ${page.round}` : ''}`;
  const intro = `:rotating_light: *You are paged for ${escapeSlack(p.node ?? 'StemeDB')}* (${p.incidentId}, ${who})${options.viaGroup ? ` as a member of <!subteam^${options.viaGroup}>` : ''}`;
  const sections = packetSections(p);
  const footer = `${deadlineLine(page)}${options.threadLink ? ` Incident thread: <${options.threadLink}|open>` : ''}`;
  const text = clip([intro, ...sections, footer].join('\n\n'), 3500);
  const body = sections.map((s) => section(s));
  // Slack refuses the whole message over its size limit: drop detail from the end, never the button.
  while (body.length > 2 && blocksSize(body) > LIMITS.totalChars - 1500) body.splice(body.length - 2, 1);
  return { text, blocks: [header(`Paged: ${packetHeadline(p)}`), section(intro), ...body, context(footer), ackButton(p.incidentId, options.marker)] };
}

/** The level's post in the incident thread: mentions its user groups, then who was paged when and how it went. */
export function levelPostView(payload: ThreadPayload, outcomes: readonly TargetOutcome[], options: { marker: string; pagedAt: number }): View {
  const { page } = payload;
  const mentions = [...payload.groups.map((g) => `<!subteam^${g}>`), ...payload.users.map((u) => `<@${u}>`)].join(' ');
  const title = `:rotating_light: *Paging ${escapeSlack(page.levelName)}* (level ${page.level + 1} of ${page.levelCount}${page.round > 1 ? `, round ${page.round}` : ''}) at ${clockTime(options.pagedAt)}${mentions ? `: ${mentions}` : ''}`;
  const lines = outcomes.map((o) => `• ${o.label}: ${outcomeText(o)}`);
  const body = lines.length > 0 ? lines.join('\n') : '• nobody to page at this level';
  const text = `${title}\n${body}\n${deadlineLine(page)}`;
  return { text, blocks: [section(title), section(body), context(deadlineLine(page)), ackButton(page.packet.incidentId, options.marker)] };
}

function outcomeText(o: TargetOutcome): string {
  switch (o.status) {
    case 'sent':
      return `:white_check_mark: paged${o.at ? ` at ${clockTime(o.at)}` : ''}`;
    case 'failed':
      return `:x: failed${o.error ? ` (${escapeSlack(o.error)})` : ''}`;
    case 'cancelled':
      return 'not sent (stopped)';
    default:
      return ':hourglass_flowing_sand: sending';
  }
}

/** A note in the thread (acked, failed page, moving on); carries the marker that makes it idempotent. */
export function noteView(text: string, options: { marker: string; incidentId: string; ackButton: boolean }): View {
  const blocks = [withMarker(section(text), options.ackButton ? `${options.marker}:text` : options.marker)];
  if (options.ackButton) blocks.push(ackButton(options.incidentId, options.marker));
  return { text, blocks };
}

/** What a page DM becomes once the chain stopped: no button, who stopped it. */
export function closedPageView(text: string): View {
  return { text, blocks: [section(text)] };
}

/** The thread header of an incident that escalation opened (no alert thread to join). */
export function escalationHeaderView(input: { incidentId: string; node: string | null; by: string; reasons: readonly string[]; marker: string }): View {
  const who = input.by === 'bot' ? 'automatically (runbook: escalate immediately)' : `by <@${input.by}>`;
  const text = `:rotating_light: *Escalation: ${escapeSlack(input.node ?? 'StemeDB')}* (${input.incidentId}), started ${who}${input.reasons.length > 0 ? `\n${input.reasons.map((r) => `• ${escapeSlack(r)}`).join('\n')}` : ''}\nThe chain's progress follows in this thread.`;
  return { text, blocks: [section(text), ackButton(input.incidentId, input.marker)] };
}
