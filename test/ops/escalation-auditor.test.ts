import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteUnitOfWork } from '../../src/app/sqlite-repositories';
import { MIGRATIONS } from '../../src/app/migrations';
import { auditEscalations } from '../../src/escalation/escalation-auditor';
import { createHeartbeat } from '../../src/ops/heartbeat';
import { createLogger } from '../../src/ops/logger';
import { openDatabase } from '../../src/store/database';
import { startCaptureServer, type CaptureServer } from '../harness/capture-server';
import { newEscalation } from '../store/contract/escalations-contract';
import { openIncident } from '../store/contract/use-contract-store';

describe('the auditor (SQLite store, real heartbeat endpoint)', () => {
  let capture: CaptureServer;
  beforeAll(async () => {
    capture = await startCaptureServer();
  });
  afterAll(async () => capture?.close());

  it('pings while every active chain is on schedule, and counts and logs the late ones instead of pinging', async () => {
    const db = openDatabase(':memory:', MIGRATIONS);
    const store = createSqliteUnitOfWork(db);
    const now = Date.parse('2026-11-29T12:00:00Z');
    const heartbeat = createHeartbeat({ url: `${capture.url}/hb/token`, log: createLogger('silent'), timeoutMs: 2_000 });
    const results: { late: string[]; active: number }[] = [];
    const audit = () =>
      auditEscalations({
        escalations: store.escalations,
        now: () => now,
        graceMs: 30_000,
        heartbeat,
        log: createLogger('silent'),
        onResult: (check, active) => results.push({ late: check.late, active }),
      });

    const a = await store.escalations.create(
      newEscalation(await openIncident(store, 'stemedb-1', 1), {
        state: { status: 'active', stepIndex: 1, round: 1, roundStartedAt: now - 60_000, waitingLevel: 0, nextDueAt: now - 20_000 },
      }),
    );
    expect((await audit()).onSchedule).toBe(true); // 20 s overdue: within the grace
    expect(capture.requests().filter((r) => r.path === '/hb/token')).toHaveLength(1);

    const b = await store.escalations.create(
      newEscalation(await openIncident(store, 'stemedb-2', 2), {
        state: { status: 'active', stepIndex: 1, round: 1, roundStartedAt: now - 120_000, waitingLevel: 0, nextDueAt: now - 45_000 },
      }),
    );
    expect(await audit()).toEqual({ onSchedule: false, late: [b.id] });
    expect(capture.requests().filter((r) => r.path === '/hb/token')).toHaveLength(1); // no ping for a late chain
    expect(results.at(-1)).toEqual({ late: [b.id], active: 2 });
    expect(a.id).not.toBe(b.id);
    db.close();
  });
});
