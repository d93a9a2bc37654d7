/** Alert storms for the webhook: big payloads, and stores crowded with ids so a short id space collides. */
import type { Db } from '../../src/store/database';
import { ZERO_TIME } from '../../src/alerts/alertmanager-payload';
import { payload } from '../alerts/alert-payloads';

/** A lean firing alert (no annotations): 2,000 of them stay under the webhook's 1 MiB limit. */
export function leanAlert(i: number, prefix = 'storm'): Record<string, unknown> {
  return {
    status: 'firing',
    labels: { alertname: 'DiskIOErrors', instance: `host-${i}:9100`, device: `sd${i}` },
    annotations: {},
    startsAt: '2026-02-12T06:00:00Z',
    endsAt: ZERO_TIME,
    generatorURL: '',
    fingerprint: `${prefix}-${i}`,
  };
}

export function stormPayload(count: number, prefix = 'storm'): Record<string, unknown> {
  return payload(Array.from({ length: count }, (_, i) => leanAlert(i, prefix)));
}

/**
 * Fills the incident table with `inc-000000`, `inc-000001`, ... (`count` ids of the old six-hex-digit form):
 * with 2^18 of them, a new six-digit id hits one with odds 1/64, so a 2,000-alert storm cannot miss.
 */
export function crowdIncidentIds(db: Db, count: number): void {
  const insert = db.prepare("INSERT INTO incidents (id, title, source, status, opened_at) VALUES (?, 'old', 'manual', 'resolved', '2026-01-01T00:00:00Z')");
  db.transaction(() => {
    for (let i = 0; i < count; i++) insert.run(`inc-${i.toString(16).padStart(6, '0')}`);
  })();
}
