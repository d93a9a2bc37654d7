import type { Services } from '../app/services';
import type { Incident } from '../incidents/incident-store';

/** Slack's own limit for a message is far longer; a timeline line should stay readable. */
export const MAX_NOTE = 3000;

export interface NoteInput {
  text: string;
  by: string;
  at: Date;
  via: 'shortcut' | 'command';
  /** The Slack message it came from: the same message added twice is one note. */
  messageTs?: string;
  /** Who wrote the message (the shortcut's message author), when not the one adding it. */
  author?: string;
}

/** Records a human note on the incident's timeline; false when it was already there. */
export async function recordNote(services: Pick<Services, 'store'>, incident: Incident, note: NoteInput): Promise<boolean> {
  const text = note.text.trim().slice(0, MAX_NOTE);
  // One transaction: an event appended by someone else between the two counts would read as this note.
  return services.store.withTx(async (tx) => {
    const before = (await tx.timeline.list(incident.id)).length;
    await tx.incidents.addEvent(
      incident.id,
      'note',
      note.at,
      note.by,
      { text, via: note.via, ...(note.messageTs ? { messageTs: note.messageTs } : {}), ...(note.author ? { author: note.author } : {}) },
      note.messageTs ? `note:${note.messageTs}` : undefined,
    );
    return (await tx.timeline.list(incident.id)).length > before;
  });
}

/** A Slack message ts ("1712345678.000200") as the moment it was posted. */
export function timeOfTs(ts: string): Date | undefined {
  const seconds = Number(ts);
  return /^\d{9,11}\.\d{1,6}$/.test(ts) && Number.isFinite(seconds) ? new Date(Math.round(seconds * 1000)) : undefined;
}
