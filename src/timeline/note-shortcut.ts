import { z } from 'zod';
import type { Services } from '../app/services';
import { recordNote, timeOfTs } from './record-note';

/** The message shortcut's callback id (manifest.yml `shortcuts`). */
export const NOTE_SHORTCUT = 'timeline_note';

/** The parts of Slack's `message_action` payload the shortcut uses; anything else in it is ignored. */
const payloadSchema = z
  .object({
    type: z.literal('message_action'),
    user: z.object({ id: z.string().regex(/^[UW][A-Z0-9]+$/) }).loose(),
    channel: z.object({ id: z.string().regex(/^[CGD][A-Z0-9]+$/) }).loose(),
    message: z.object({ ts: z.string(), thread_ts: z.string().optional(), text: z.string().optional(), user: z.string().optional() }).loose(),
  })
  .loose();

/**
 * "Add to timeline" on any message of an incident thread: records the message as a note at the time it was
 * posted, and returns the one sentence the user is told. The Slack adapter (src/slack/timeline-note-shortcut.ts)
 * hands over the payload after Bolt has verified the request's signature and age, like every interaction.
 */
export async function noteFromShortcut(services: Services, body: unknown): Promise<string> {
  const parsed = payloadSchema.safeParse(body);
  if (!parsed.success) return 'That message cannot be added to a timeline.';
  const { user, channel, message } = parsed.data;
  const channels = services.config.access.channels;
  if (channels.length > 0 && !channels.includes(channel.id)) return `Timelines are kept for incidents in ${channels.map((c) => `<#${c}>`).join(', ')} only.`;
  const incident = await services.store.incidents.ofThread(channel.id, message.thread_ts ?? message.ts);
  if (!incident) return 'This message is not in an incident thread: use "Add to timeline" on a message in the thread the bot opened.';
  const text = message.text?.trim();
  if (!text) return 'That message has no text to add.';
  const at = timeOfTs(message.ts) ?? services.now();
  const added = await recordNote(services, incident, {
    text,
    by: user.id,
    at,
    via: 'shortcut',
    messageTs: message.ts,
    ...(message.user ? { author: message.user } : {}),
  });
  return added ? `Added to ${incident.id}'s timeline at ${at.toISOString().slice(11, 19)} UTC.` : `That message is already on ${incident.id}'s timeline.`;
}
