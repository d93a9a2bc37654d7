import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/app/migrations';
import { createSqliteUnitOfWork } from '../../src/app/sqlite-repositories';
import { openDatabase, type Db } from '../../src/store/database';
import { acquireProcessLock } from '../../src/store/process-lock';
import { contractChain } from './contract/escalations-contract';

const T0 = Date.parse('2026-11-29T12:00:00.000Z');
/** The schema before escalation, outbox and process-lock times became ISO text (versions 7 and 22). */
const PREVIOUS = MIGRATIONS.filter((m) => m.version !== 7 && m.version !== 22);

/** Every table and index (the automatic ones of UNIQUE constraints too), and each index's columns and uniqueness. */
const schemaOf = (db: Db) =>
  (
    db.prepare("SELECT type, name, tbl_name FROM sqlite_master WHERE name <> 'sqlite_sequence' ORDER BY type, name").all() as {
      type: string;
      name: string;
      tbl_name: string;
    }[]
  ).map((o) => ({
    ...o,
    index:
      o.type === 'index'
        ? {
            list: db
              .prepare(`PRAGMA index_list(${o.tbl_name})`)
              .all()
              .filter((i) => (i as { name: string }).name === o.name),
            columns: db.prepare(`PRAGMA index_info(${o.name})`).all(),
          }
        : undefined,
  }));
const columnsOf = (db: Db, table: string) =>
  (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string; notnull: number; dflt_value: string | null; pk: number }[]).map(
    ({ name, notnull, dflt_value, pk }) => ({ name, notnull, dflt_value, pk }),
  );

/** A store written by the previous release (times in epoch ms) opened by this one: same records, ISO text underneath. */
describe('SQLite migrations 7 and 22: epoch-ms times become ISO-8601 UTC text', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stemedb-iso-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('converts every row and reads back the same epoch milliseconds through the repositories', async () => {
    const path = join(dir, 'old.sqlite');
    const old = openDatabase(path, PREVIOUS);
    const store = createSqliteUnitOfWork(old);
    const { incident } = await store.incidents.openOrGet(
      { node: 'stemedb-1', title: 't', source: 'alert', alertname: 'A', fingerprint: 'fp', episode: '2026-11-29T11:59:00Z', problem: 'p' },
      new Date(T0),
    );
    old
      .prepare(
        `INSERT INTO escalations (id, incident_id, seq, status, chain_json, step_index, round, round_started_at, waiting_level, next_due_at, token, trigger, reasons_json, origin_channel, started_by, started_at, acked_by, acked_at, ended_by, ended_at)
         VALUES (?, ?, 1, 'acked', ?, 1, 1, ?, NULL, NULL, 'aaaaaaaaaaaaaaaa', 'command', '["disk full"]', 'C0ALERTS', 'U1', ?, 'U2', ?, NULL, NULL),
                (?, ?, 2, 'active', ?, 0, 1, NULL, 0, ?, 'bbbbbbbbbbbbbbbb', 'auto', '[]', NULL, 'bot', ?, NULL, NULL, 'U3', ?)`,
      )
      .run(
        `${incident.id}.e1`,
        incident.id,
        JSON.stringify(contractChain),
        T0 - 5,
        T0,
        T0 + 42_123,
        `${incident.id}.e2`,
        incident.id,
        JSON.stringify(contractChain),
        T0 + 300_999,
        T0 + 1,
        T0 + 7,
      );
    const outbox = old.prepare(
      `INSERT INTO page_outbox (id, idempotency_key, escalation_id, incident_id, level, round, kind, target, reaches_human, payload_json, status, attempts, due_at, next_attempt_at, created_at, sending_since, sent_at, last_error, result_json, lease_owner, lease_until)
       VALUES (?, ?, ?, ?, NULL, NULL, 'slack_note', 'C0ALERTS', 0, ?, ?, 1, ?, ?, ?, ?, ?, NULL, NULL, ?, ?)`,
    );
    const note = JSON.stringify({ kind: 'slack_note', text: 'Paging level 1', ackButton: true });
    outbox.run(1, 'k1', `${incident.id}.e1`, incident.id, note, 'sent', T0 - 250, T0, T0 + 3, T0 + 10, T0 + 20, null, null);
    outbox.run(2, 'k2', `${incident.id}.e2`, incident.id, note, 'sending', T0 + 123, T0 + 456, T0 + 789, T0 + 1_000, null, 'host-a:1:aaaa', T0 + 61_000);
    outbox.run(3, 'k3', `${incident.id}.e2`, incident.id, note, 'pending', T0, T0, T0, null, null, null, null);
    old.prepare('DELETE FROM page_outbox WHERE id = 3').run(); // retention: id 3 must never come back
    old.prepare('INSERT INTO process_lock (id, pid, host, since, heartbeat_at) VALUES (1, 101, ?, ?, ?)').run('h1', T0 - 1_000, T0 + 2_500);
    const oldSchema = schemaOf(old);
    const oldColumns = ['escalations', 'page_outbox', 'process_lock'].map((t) => columnsOf(old, t));
    old.close();

    const db = openDatabase(path, MIGRATIONS);
    const migrated = createSqliteUnitOfWork(db);
    const e1 = await migrated.escalations.get(`${incident.id}.e1`);
    const e2 = await migrated.escalations.get(`${incident.id}.e2`);
    expect(e1).toMatchObject({
      state: { status: 'acked', roundStartedAt: T0 - 5, nextDueAt: null, waitingLevel: null },
      startedAt: T0,
      ackedAt: T0 + 42_123,
      endedAt: null,
    });
    expect(e2).toMatchObject({ state: { status: 'active', roundStartedAt: null, nextDueAt: T0 + 300_999 }, startedAt: T0 + 1, ackedAt: null, endedAt: T0 + 7 });
    const p1 = await migrated.outbox.get(1);
    const p2 = await migrated.outbox.get(2);
    expect(p1).toMatchObject({ dueAt: T0 - 250, nextAttemptAt: T0, createdAt: T0 + 3, sendingSince: T0 + 10, sentAt: T0 + 20 });
    expect(p2).toMatchObject({ dueAt: T0 + 123, nextAttemptAt: T0 + 456, createdAt: T0 + 789, sendingSince: T0 + 1_000, sentAt: null });
    expect(e1).toMatchObject({ chain: contractChain, reasons: ['disk full'], token: 'aaaaaaaaaaaaaaaa', ackedBy: 'U2', originChannel: 'C0ALERTS' });
    expect(p2).toMatchObject({ status: 'sending', attempts: 1, payload: { kind: 'slack_note', text: 'Paging level 1', ackButton: true } });

    // Comparisons and ordering still work on the text: what is due, the next deadline, expired leases.
    expect(await migrated.escalations.due(T0 + 300_998)).toEqual([]);
    expect(await migrated.escalations.due(T0 + 300_999)).toEqual([{ id: `${incident.id}.e2`, token: 'bbbbbbbbbbbbbbbb' }]);
    expect(await migrated.escalations.nextDueAt()).toBe(T0 + 300_999);
    expect(await migrated.outbox.expired(T0 + 60_999, 10)).toEqual([]);
    expect((await migrated.outbox.expired(T0 + 61_000, 10)).map((r) => r.id)).toEqual([2]);

    // The raw columns now hold ISO text; NULL stays NULL.
    expect(
      db.prepare('SELECT typeof(started_at) AS t, started_at AS v, acked_at AS acked, typeof(ended_at) AS ended FROM escalations WHERE seq = 1').get(),
    ).toEqual({ t: 'text', v: '2026-11-29T12:00:00.000Z', acked: '2026-11-29T12:00:42.123Z', ended: 'null' });
    expect(db.prepare('SELECT lease_until AS v FROM page_outbox WHERE id = 2').get()).toEqual({ v: '2026-11-29T12:01:01.000Z' });
    expect(db.prepare('SELECT typeof(since) AS s, since, heartbeat_at AS heartbeat FROM process_lock').get()).toEqual({
      s: 'text',
      since: '2026-11-29T11:59:59.000Z',
      heartbeat: '2026-11-29T12:00:02.500Z',
    });

    // The lock row converted too: its holder and heartbeat age read back in ms.
    expect(() => acquireProcessLock(db, { path, pid: 202, host: 'h1', now: () => T0 + 12_500, isAlive: () => true, heartbeatMs: 3_600_000 })).toThrow(
      `pid 101 on h1, since 2026-11-29T11:59:59.000Z (last heartbeat 10 s ago)`,
    );

    // The same tables, indexes, constraints, columns (order, NOT NULL, defaults) and foreign key as before; no ids reused.
    expect(schemaOf(db)).toEqual(oldSchema);
    expect(['escalations', 'page_outbox', 'process_lock'].map((t) => columnsOf(db, t))).toEqual(oldColumns);
    expect(db.prepare('PRAGMA foreign_key_list(page_outbox)').all()).toMatchObject([{ table: 'escalations', from: 'escalation_id', to: 'id' }]);
    expect(db.prepare('PRAGMA foreign_key_check').all()).toEqual([]);
    const [planned] = await migrated.outbox.ofEscalation(`${incident.id}.e1`);
    expect(planned?.id).toBe(1);
    expect(
      await migrated.outbox.insert(
        [
          {
            key: 'k4',
            escalationId: `${incident.id}.e2`,
            incidentId: incident.id,
            level: null,
            round: null,
            target: 'C0ALERTS',
            payload: { kind: 'slack_note', text: 'x', ackButton: false },
            dueAt: T0,
          },
        ],
        T0,
      ),
    ).toBe(1);
    expect((await migrated.outbox.ofEscalation(`${incident.id}.e2`)).map((r) => r.id)).toEqual([2, 4]);
    db.close();
  });
});
