import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERT_ACTIONS } from '../../src/alerts/alert-views';
import { FAKE_TEAM, type FakeMessage } from '../harness/fake-slack';
import { startBot, type TestBot } from '../harness/start-bot';
import { alert, payload, postWebhook, WEBHOOK_TOKEN } from './alert-payloads';

const CHANNEL = 'C0ALERTS';
const OPERATOR = 'U0OPERATOR';

/** Stands in for Alertmanager's v2 API: records silences, answers like Alertmanager. */
async function startSilenceCapture(): Promise<{ url: string; silences: Record<string, unknown>[]; close(): Promise<void> }> {
  const silences: Record<string, unknown>[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/api/v2/silences') {
        res.writeHead(404).end();
        return;
      }
      silences.push(JSON.parse(raw) as Record<string, unknown>);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ silenceID: `sil-${silences.length}` }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    silences,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('the Silence button on an alert header', () => {
  let bot: TestBot;
  let capture: Awaited<ReturnType<typeof startSilenceCapture>>;
  let header: FakeMessage;
  let value: string;

  const clickAs = (userId: string, responseId: string) =>
    bot.click(ALERT_ACTIONS.silence, value, {
      user: { id: userId, username: userId.toLowerCase(), name: userId.toLowerCase(), team_id: FAKE_TEAM.teamId },
      message: { type: 'message', user: FAKE_TEAM.botUserId, bot_id: FAKE_TEAM.botId, ts: header.ts, text: '', blocks: [] },
      response_url: bot.fake.responseUrl(responseId),
    });

  beforeAll(async () => {
    capture = await startSilenceCapture();
    bot = await startBot({
      config: { alertmanager: { url: capture.url }, access: { operators: { users: [OPERATOR] } } },
      routes: (runtime) => [runtime.alerts.route(WEBHOOK_TOKEN)],
    });
    await postWebhook(bot.baseUrl, payload([alert({ fingerprint: 'fp-silence', labels: { device: 'sda' } })]));
    header = await bot.fake.waitFor(() => bot.fake.messages(CHANNEL).find((m) => String(m.text).includes('HighStorageErrorRate on stemedb-1')));
    const actions = (header.blocks as { type: string; elements?: { action_id: string; value: string; text: { text: string } }[] }[]).find(
      (b) => b.type === 'actions',
    )!;
    const button = actions.elements!.find((e) => e.action_id === ALERT_ACTIONS.silence)!;
    expect(button.text.text).toBe('Silence 1h');
    value = button.value;
  });
  afterAll(async () => {
    await bot?.stop();
    await capture?.close();
  });

  it('refuses a non-operator, audits the refusal and silences nothing', async () => {
    await clickAs('U0VISITOR', 'visitor');
    const [reply] = await bot.fake.waitFor(() => (bot.fake.responses('visitor').length > 0 ? bot.fake.responses('visitor') : undefined));
    expect((reply!.body as { response_type: string }).response_type).toBe('ephemeral');
    expect(String((reply!.body as { text: string }).text)).toContain('Only operators');
    expect(capture.silences).toHaveLength(0);
    expect((await bot.runtime.services.store.audit.recent(5)).find((e) => e.action === 'silence')).toMatchObject({ actor: 'U0VISITOR', outcome: 'refused' });
  });

  it("silences exactly the alert's labels for an hour, says so in the thread and audits it", async () => {
    const clickedAt = Date.now();
    await clickAs(OPERATOR, 'operator');
    const note = await bot.fake.waitFor(() => bot.fake.thread(CHANNEL, header.ts).find((m) => String(m.text).includes('silenced')));
    expect(note.text).toContain(`<@${OPERATOR}> silenced HighStorageErrorRate for 1h,`);
    expect(note.text).toContain('sil-1');
    expect(capture.silences).toHaveLength(1);
    const silence = capture.silences[0] as { matchers: unknown[]; startsAt: string; endsAt: string; createdBy: string; comment: string };
    expect(silence.matchers).toEqual(
      expect.arrayContaining([
        { name: 'alertname', value: 'HighStorageErrorRate', isRegex: false, isEqual: true },
        { name: 'instance', value: 'stemedb-1', isRegex: false, isEqual: true },
        { name: 'device', value: 'sda', isRegex: false, isEqual: true },
      ]),
    );
    expect(silence.matchers).toHaveLength(5);
    const hour = Date.parse(silence.endsAt) - Date.parse(silence.startsAt);
    expect(hour).toBe(3_600_000);
    expect(Date.parse(silence.startsAt)).toBeGreaterThanOrEqual(clickedAt - 1000);
    expect(silence.createdBy).toContain('u0operator');
    const entry = (await bot.runtime.services.store.audit.recent(5)).find((e) => e.action === 'silence' && e.actor === OPERATOR);
    expect(entry).toMatchObject({ outcome: 'succeeded', detail: expect.objectContaining({ silenceId: 'sil-1' }) });
  });
});
