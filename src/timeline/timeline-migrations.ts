import type { Migration } from '../store/database';

/** Timeline (issue 15): versions 40-49, so they never collide with the other domains' ranges. */
export const TIMELINE_MIGRATIONS: Migration[] = [
  {
    version: 40,
    name: 'timeline: de-duplication key, retention indexes',
    sql: `
      -- Set for events that can arrive twice (a note from the same Slack message, Alertmanager re-sending):
      -- the second insert is ignored instead of doubling the line.
      ALTER TABLE incident_events ADD COLUMN dedupe_key TEXT;
      CREATE UNIQUE INDEX incident_events_dedupe ON incident_events (incident_id, dedupe_key) WHERE dedupe_key IS NOT NULL;
      CREATE INDEX incidents_by_opened_at ON incidents (opened_at);
    `,
  },
];
