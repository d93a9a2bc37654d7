import type { Migration } from '../store/database';

/**
 * One open incident per node and problem (issue 10), enforced by the store: a partial unique index, so two
 * arrivals in the same second (an alert and a command, or two replicas) cannot both open one. Version 5 sits
 * in the core/incidents range (1-9).
 */
export const INCIDENT_MIGRATIONS: Migration[] = [
  {
    version: 5,
    name: 'one open incident per node and problem; the alerts each incident gathered',
    sql: `
      ALTER TABLE incidents ADD COLUMN problem TEXT;
      -- Existing open incidents: the newest of each node and alert name keeps the key; older duplicates
      -- (opened before this rule) get a key of their own so the index can be built, and close as before.
      UPDATE incidents SET problem = COALESCE(alertname, 'node') WHERE node IS NOT NULL;
      UPDATE incidents SET problem = problem || '#' || id
        WHERE status = 'open' AND node IS NOT NULL AND id NOT IN (
          SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY node, problem ORDER BY opened_at DESC) AS n FROM incidents WHERE status = 'open' AND node IS NOT NULL) WHERE n = 1
        );
      CREATE UNIQUE INDEX incidents_one_open_per_node_problem ON incidents (node, problem) WHERE status = 'open' AND node IS NOT NULL AND problem IS NOT NULL;
      CREATE TABLE incident_alerts (
        fingerprint TEXT NOT NULL,
        episode TEXT NOT NULL,
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        status TEXT NOT NULL,            -- 'firing' | 'resolved'
        joined_at TEXT NOT NULL,
        PRIMARY KEY (fingerprint, episode)
      );
      CREATE INDEX incident_alerts_by_incident ON incident_alerts (incident_id);
      INSERT INTO incident_alerts (fingerprint, episode, incident_id, status, joined_at)
        SELECT fingerprint, episode, id, CASE status WHEN 'open' THEN 'firing' ELSE 'resolved' END, opened_at FROM incidents WHERE fingerprint IS NOT NULL AND episode IS NOT NULL;
    `,
  },
];
