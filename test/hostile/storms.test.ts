import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteUnitOfWork } from '../../src/app/sqlite-repositories';
import { openDatabase, type Db } from '../../src/store/database';
import { MIGRATIONS } from '../../src/app/migrations';
import { postWebhook, WEBHOOK_TOKEN } from '../alerts/alert-payloads';
import { openBotSqlite } from '../alerts/bot-sqlite';
import { startBot, type TestBot } from '../harness/start-bot';
import { crowdIncidentIds, stormPayload } from './storm-corpus';

/** Issue 11 item 6: big storms always land; one bad alert never loses the others. */
describe('alert storms against a crowded store', () => {
  let bot: TestBot;
  let sqlite: Db;
  const db = () => sqlite;
  const count = (sql: string, ...params: unknown[]) =>
    (
      db()
        .prepare(sql)
        .get(...params) as { n: number }
    ).n;
  beforeAll(async () => {
    bot = await startBot({ config: { alerts: { stormThreshold: 5 } }, routes: (runtime) => [runtime.alerts.route(WEBHOOK_TOKEN)] });
    sqlite = openBotSqlite(bot.dir);
  }, 60_000);
  afterAll(async () => {
    sqlite?.close();
    await bot?.stop();
  });

  it('records a 2,000-alert storm on a store holding 262,144 incidents', async () => {
    crowdIncidentIds(db(), 1 << 18);
    const res = await postWebhook(bot.baseUrl, stormPayload(2000));
    expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(200);
    expect(res.body).toMatchObject({ received: 2000, opened: 2000, failed: 0 });
    expect(count("SELECT COUNT(*) AS n FROM incidents WHERE fingerprint LIKE 'storm-%'")).toBe(2000);
  }, 60_000);

  it('one alert that cannot be recorded costs only itself; the retry lands it', async () => {
    // A real SQLite failure for exactly one alert (as a full disk or a constraint would give).
    db().exec("CREATE TRIGGER poison BEFORE INSERT ON incidents WHEN NEW.fingerprint = 'poison-7' BEGIN SELECT RAISE(ABORT, 'poisoned alert'); END");
    const first = await postWebhook(bot.baseUrl, stormPayload(50, 'poison'));
    expect(first.status).toBe(500);
    expect(first.body).toMatchObject({ status: 'partly recorded', received: 50, opened: 49, failed: 1 });
    expect(String(first.body.error)).toContain('poison-7: poisoned alert');
    expect(count("SELECT COUNT(*) AS n FROM incidents WHERE fingerprint LIKE 'poison-%'")).toBe(49);
    expect(count("SELECT COUNT(*) AS n FROM alert_threads t JOIN incidents i ON i.id = t.incident_id WHERE i.fingerprint LIKE 'poison-%'")).toBe(49);

    db().exec('DROP TRIGGER poison');
    const retry = await postWebhook(bot.baseUrl, stormPayload(50, 'poison'));
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ opened: 1, repeated: 49, failed: 0 });
    expect(count("SELECT COUNT(*) AS n FROM incidents WHERE fingerprint LIKE 'poison-%'")).toBe(50);
  }, 30_000);
});

describe('incident id collisions', () => {
  it('retry with a fresh id inside the transaction', async () => {
    const db = openDatabase(':memory:', MIGRATIONS);
    const ids = ['inc-same', 'inc-same', 'inc-same', 'inc-other'];
    const store = createSqliteUnitOfWork(db, { newIncidentId: () => ids.shift()! }).incidents;
    const a = await store.openOrGet({ node: null, title: 'a', source: 'manual' }, new Date());
    const b = await store.openOrGet({ node: null, title: 'b', source: 'manual' }, new Date());
    expect([a.incident.id, b.incident.id]).toEqual(['inc-same', 'inc-other']);
    expect((await store.events('inc-other')).map((e) => e.kind)).toEqual(['opened']);
  });

  it('are rare by construction: 40 random bits', async () => {
    const { newIncidentId } = await import('../../src/incidents/incident-store');
    expect(newIncidentId()).toMatch(/^inc-[0-9a-f]{10}$/);
  });
});
