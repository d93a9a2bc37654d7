import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alertmanagerPayloadSchema, describeIssues, endedAt, episodeOf } from '../../src/alerts/alertmanager-payload';

/** Captured from Debian's Alertmanager 0.25 webhook_configs (externalURL anonymised). */
const fixture = (name: string): unknown => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', `alertmanager-0.25-${name}.json`), 'utf8'));

describe('alertmanagerPayloadSchema', () => {
  it("accepts Alertmanager 0.25's firing and resolved payloads", () => {
    const firing = alertmanagerPayloadSchema.parse(fixture('firing'));
    expect(firing.alerts[0]).toMatchObject({
      status: 'firing',
      fingerprint: 'c81652ba3174f578',
      labels: { alertname: 'HighStorageErrorRate', instance: '10.0.0.11:18180' },
    });
    expect(endedAt(firing.alerts[0]!)).toBeUndefined();
    const resolved = alertmanagerPayloadSchema.parse(fixture('resolved'));
    expect(endedAt(resolved.alerts[0]!)?.toISOString()).toBe('2026-11-23T21:26:09.000Z');
    expect(episodeOf(resolved.alerts[0]!)).toBe(episodeOf(firing.alerts[0]!));
  });

  it('ignores fields a newer Alertmanager may add', () => {
    const payload = fixture('firing') as Record<string, unknown>;
    expect(alertmanagerPayloadSchema.safeParse({ ...payload, somethingNew: { x: 1 } }).success).toBe(true);
  });

  it('names the field in its reason', () => {
    const payload = fixture('firing') as { alerts: Record<string, unknown>[] };
    const result = alertmanagerPayloadSchema.safeParse({ ...payload, alerts: [{ ...payload.alerts[0], fingerprint: 42 }] });
    expect(result.success).toBe(false);
    expect(describeIssues(result.error!)).toMatch(/^alerts\.0\.fingerprint: /);
  });

  it('treats copies of one startsAt written with other precision as the same episode', () => {
    expect(episodeOf({ startsAt: '2026-02-12T06:00:00.123456789Z' })).toBe(episodeOf({ startsAt: '2026-02-12T08:00:00.123+02:00' }));
    expect(episodeOf({ startsAt: '2026-02-12T06:00:00Z' })).not.toBe(episodeOf({ startsAt: '2026-02-12T06:00:01Z' }));
  });
});
