import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertmanagerRoute, tokenMatches } from '../../src/alerts/alertmanager-route';
import { createLogger } from '../../src/ops/logger';
import { startBot, type TestBot } from '../harness/start-bot';
import { alert, payload, postWebhook, WEBHOOK_TOKEN } from './alert-payloads';
import { openBotSqlite } from './bot-sqlite';

function withoutKey(obj: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _dropped, ...rest } = obj;
  return rest;
}

const good = () => payload([alert({ fingerprint: 'fp-good' })]);

/** Bad payloads and the words the 400 must contain. */
const BAD_PAYLOADS: [string, unknown, string][] = [
  ['not JSON', '{"version": "4", ', 'body is not JSON'],
  ['a JSON array', '[]', 'body'],
  ['version 3', { ...good(), version: '3' }, 'version'],
  ['no alerts field', withoutKey(good(), 'alerts'), 'alerts'],
  ['an empty alerts list', { ...good(), alerts: [] }, 'alerts'],
  ['alerts as an object', { ...good(), alerts: { 0: alert() } }, 'alerts'],
  ['no groupKey', withoutKey(good(), 'groupKey'), 'groupKey'],
  ['a status of "pending"', { ...good(), status: 'pending' }, 'status'],
  ['an alert without fingerprint', payload([withoutKey(alert(), 'fingerprint')]), 'alerts.0.fingerprint'],
  ['an alert without alertname', payload([{ ...alert(), labels: { instance: 'stemedb-1' } }]), 'alerts.0.labels.alertname'],
  ['a numeric label value', payload([{ ...alert(), labels: { alertname: 'X', instance: 1 } }]), 'alerts.0.labels.instance'],
  ['startsAt as a number', payload([{ ...alert(), startsAt: 1_700_000_000 }]), 'alerts.0.startsAt'],
  ['startsAt not a timestamp', payload([{ ...alert(), startsAt: 'yesterday' }]), 'alerts.0.startsAt'],
  ['an alert status of "active"', payload([{ ...alert(), status: 'active' }]), 'alerts.0.status'],
  ['one good alert and one bad', payload([alert({ fingerprint: 'fp-good' }), { ...alert({ fingerprint: 'fp-bad' }), endsAt: null }]), 'alerts.1.endsAt'],
];

describe('POST /alertmanager refuses what is not a valid, authenticated payload, and changes nothing', () => {
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startBot({ routes: (runtime) => [runtime.alerts.route(WEBHOOK_TOKEN)] });
  });
  afterAll(async () => bot?.stop());

  function assertNothingChanged(): void {
    const db = openBotSqlite(bot.dir);
    try {
      expect(db.prepare('SELECT COUNT(*) AS n FROM incidents').get()).toEqual({ n: 0 });
      expect(db.prepare('SELECT COUNT(*) AS n FROM alert_jobs').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
    expect(bot.fake.calls('chat.postMessage')).toHaveLength(0);
  }

  it.each(BAD_PAYLOADS)('answers 400 with the reason to %s', async (_name, body, reason) => {
    const res = await postWebhook(bot.baseUrl, body);
    expect(res.status).toBe(400);
    expect(String(res.body.error)).toContain(reason);
    assertNothingChanged();
  });

  it.each([
    ['no Authorization header', null],
    ['a wrong token', 'wrong-token-0123456789abcdef'],
    ['the token with a suffix', `${WEBHOOK_TOKEN}x`],
    ['a prefix of the token', WEBHOOK_TOKEN.slice(0, -1)],
    ['an empty bearer', ''],
  ])('answers 401 to %s', async (_name, token) => {
    const res = await postWebhook(bot.baseUrl, good(), { token });
    expect(res.status).toBe(401);
    assertNothingChanged();
  });

  it('answers 401 to Basic auth carrying the token', async () => {
    const res = await fetch(`${bot.baseUrl}/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Basic ${WEBHOOK_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(good()),
    });
    expect(res.status).toBe(401);
    assertNothingChanged();
  });

  it('answers 413 to a 2 MiB body', async () => {
    const huge = payload([alert({ annotations: { description: 'x'.repeat(2 * 1024 * 1024) } })]);
    const res = await postWebhook(bot.baseUrl, huge);
    expect(res.status).toBe(413);
    assertNothingChanged();
  });

  it('answers 413 to a 2 MiB chunked body without a content-length', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 32) return controller.close();
        sent++;
        controller.enqueue(chunk);
      },
    });
    const res = await fetch(`${bot.baseUrl}/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${WEBHOOK_TOKEN}`, 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    assertNothingChanged();
  });

  it('still takes a valid payload after all that', async () => {
    const res = await postWebhook(bot.baseUrl, good());
    expect(res.status).toBe(200);
    expect(await bot.runtime.services.store.incidents.openForFingerprint('fp-good')).toBeDefined();
  });
});

describe('the webhook route on its own', () => {
  let server: Server;
  let url: string;
  let unavailable: string | undefined;
  let token: string | undefined;
  let fail = false;
  beforeAll(async () => {
    server = createServer((req, res) =>
      alertmanagerRoute({
        token,
        unavailable: () => unavailable,
        record: async () => {
          if (fail) throw new Error('disk I/O error');
          return { received: 1, opened: 1, repeated: 0, resolved: 0, ignored: 0, stormed: 0, failed: 0, failures: [] };
        },
        afterReply: () => undefined,
        log: createLogger('silent'),
        now: () => new Date(),
      }).handler(req, res),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise<void>((r) => server.close(() => r())));

  it('answers 503 "set ALERTMANAGER_TOKEN" when no token is configured, whatever is sent', async () => {
    token = undefined;
    const res = await postWebhook(url, good());
    expect(res.status).toBe(503);
    expect(res.body.error).toBe('webhook not configured: set ALERTMANAGER_TOKEN');
  });

  it('answers 503 with the reason when alerts have nowhere to go', async () => {
    token = WEBHOOK_TOKEN;
    unavailable = 'slack.alertChannel is not configured';
    const res = await postWebhook(url, good());
    expect(res.status).toBe(503);
    expect(res.body.error).toContain('slack.alertChannel');
    unavailable = undefined;
  });

  it('answers 500 when the alerts could not be recorded, so Alertmanager retries', async () => {
    fail = true;
    const res = await postWebhook(url, good());
    expect(res.status).toBe(500);
    expect(String(res.body.error)).toContain('could not record the alerts: disk I/O error');
    fail = false;
  });

  it('compares bearer tokens exactly', () => {
    expect(tokenMatches(`Bearer ${WEBHOOK_TOKEN}`, WEBHOOK_TOKEN)).toBe(true);
    expect(tokenMatches(`bearer  ${WEBHOOK_TOKEN}`, WEBHOOK_TOKEN)).toBe(true);
    expect(tokenMatches(`Bearer ${WEBHOOK_TOKEN.toUpperCase()}`, WEBHOOK_TOKEN)).toBe(false);
    expect(tokenMatches(undefined, WEBHOOK_TOKEN)).toBe(false);
    expect(tokenMatches('Bearer', WEBHOOK_TOKEN)).toBe(false);
  });
});
