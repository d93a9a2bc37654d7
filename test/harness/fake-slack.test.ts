import { ErrorCode, LogLevel, WebClient, type Logger, type WebAPIPlatformError } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_TEAM, RESPONSE_URL, startFakeSlack, type FakeSlack } from './fake-slack';

let fake: FakeSlack;
let client: WebClient;

const clientFor = (options: ConstructorParameters<typeof WebClient>[1] = {}): WebClient =>
  new WebClient('xoxb-test', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 }, logger: silentLogger(), ...options });

beforeAll(async () => {
  fake = await startFakeSlack();
  client = clientFor();
});
beforeEach(() => fake.reset());
afterAll(() => fake.close());

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

async function errorOf(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('expected the call to fail');
}

describe('fake Slack Web API', () => {
  it('listens on 127.0.0.1 with an apiUrl ending in /api/', () => {
    expect(fake.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
  });

  it('answers auth.test with the bot identity and records the token', async () => {
    const res = await client.auth.test();
    expect(res).toMatchObject({ ok: true, team_id: FAKE_TEAM.teamId, user_id: FAKE_TEAM.botUserId, bot_id: FAKE_TEAM.botId });
    expect(fake.calls('auth.test')[0]).toMatchObject({ token: 'xoxb-test', status: 200, ok: true });
  });

  it('decodes the form body web-api sends, with blocks as objects', async () => {
    await client.chat.postMessage({ channel: 'C1', text: 'hi', blocks: [section('*bold*')], unfurl_links: false });
    const [call] = fake.calls('chat.postMessage');
    expect(call?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(call?.body).toEqual({ channel: 'C1', text: 'hi', blocks: [section('*bold*')], unfurl_links: 'false' });
  });

  it('keeps message state: unique increasing ts, updates, thread replies, deletes', async () => {
    const parent = await client.chat.postMessage({ channel: 'C1', text: 'alert' });
    const reply = await client.chat.postMessage({ channel: 'C1', text: 'diagnosis', thread_ts: parent.ts });
    const other = await client.chat.postMessage({ channel: 'C2', text: 'elsewhere' });
    expect(parent.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect([parent.ts, reply.ts, other.ts]).toEqual([parent.ts, reply.ts, other.ts].sort());
    expect(new Set([parent.ts, reply.ts, other.ts]).size).toBe(3);

    await client.chat.update({ channel: 'C1', ts: String(reply.ts), text: 'diagnosis: done', blocks: [section('done')] });
    expect(fake.thread('C1', String(parent.ts)).map((m) => m.text)).toEqual(['alert', 'diagnosis: done']);
    expect(fake.messages('C1')[0]).toMatchObject({ thread_ts: parent.ts, reply_count: 1 });
    expect(fake.messages('C1')[1]).toMatchObject({ thread_ts: parent.ts, blocks: [section('done')], edited: {} });

    await client.chat.delete({ channel: 'C2', ts: String(other.ts) });
    expect(fake.messages().map((m) => m.ts)).toEqual([parent.ts, reply.ts]);
    const missing = await errorOf(client.chat.update({ channel: 'C2', ts: String(other.ts), text: 'x' }));
    expect((missing as unknown as WebAPIPlatformError).data.error).toBe('message_not_found');
  });

  it('answers directory calls from what the test set up', async () => {
    fake.setUserGroup('S0ONCALL', ['U_BOB', 'U_CAROL']);
    fake.setMissingUsers(['U_GONE']);
    expect((await client.usergroups.users.list({ usergroup: 'S0ONCALL' })).users).toEqual(['U_BOB', 'U_CAROL']);
    const noGroup = await errorOf(client.usergroups.users.list({ usergroup: 'S0NOPE' }));
    expect(noGroup).toMatchObject({ code: ErrorCode.PlatformError, data: { error: 'no_such_subteam' } });
    expect((await client.users.info({ user: 'U_BOB' })).user).toMatchObject({ id: 'U_BOB', name: 'bob' });
    expect(await errorOf(client.users.info({ user: 'U_GONE' }))).toMatchObject({ data: { error: 'user_not_found' } });
    expect((await client.conversations.open({ users: 'U_BOB' })).channel?.id).toBe('DU_BOB');
    const eph = await client.chat.postEphemeral({ channel: 'C1', user: 'U_BOB', text: 'only you' });
    expect(fake.ephemerals('C1')).toEqual([{ channel: 'C1', user: 'U_BOB', text: 'only you', message_ts: eph.message_ts }]);
  });

  it('opens views and records unknown methods as ok', async () => {
    const view = { type: 'modal' as const, title: { type: 'plain_text' as const, text: 'Escalate' }, blocks: [] };
    const opened = await client.views.open({ trigger_id: '1.2.abc', view });
    expect(opened.view?.id).toMatch(/^V/);
    expect(fake.calls('views.open')[0]?.body.view).toEqual(view);
    expect(await client.apiCall('reactions.add', { name: 'eyes' })).toMatchObject({ ok: true });
    expect(fake.calls().map((c) => c.method)).toEqual(['views.open', 'reactions.add']);
  });

  it('refuses messages Slack would refuse', async () => {
    expect(await errorOf(client.chat.postMessage({ channel: 'C1', text: '' }))).toMatchObject({ data: { error: 'no_text' } });
    const tooMany = Array.from({ length: 51 }, () => section('x'));
    expect(await errorOf(client.chat.postMessage({ channel: 'C1', text: 't', blocks: tooMany }))).toMatchObject({
      data: { error: 'invalid_blocks' },
    });
    const long = await errorOf(client.chat.postMessage({ channel: 'C1', text: 't', blocks: [section('x'), section('y'.repeat(3001))] }));
    expect(long).toMatchObject({
      data: { error: 'invalid_blocks', response_metadata: { messages: [expect.stringContaining('/blocks/1/text/text')] } },
    });
    expect(fake.messages()).toEqual([]);
  });
});

describe('programmable failures', () => {
  it('fails the next N calls of a method with a Slack error, then recovers', async () => {
    fake.failNext('chat.postMessage', { error: 'channel_not_found' }, 2);
    for (let i = 0; i < 2; i += 1) {
      expect(await errorOf(client.chat.postMessage({ channel: 'C1', text: 'x' }))).toMatchObject({
        code: ErrorCode.PlatformError,
        data: { error: 'channel_not_found' },
      });
    }
    await client.chat.postMessage({ channel: 'C1', text: 'x' });
    expect(fake.calls('chat.postMessage').map((c) => c.ok)).toEqual([false, false, true]);
  });

  it('answers HTTP 500 as an HTTP error', async () => {
    fake.failNext('chat.update', { status: 500 });
    expect(await errorOf(client.chat.update({ channel: 'C1', ts: '1.1', text: 'x' }))).toMatchObject({
      code: ErrorCode.HTTPError,
      statusCode: 500,
    });
    expect(fake.calls('chat.update')[0]).toMatchObject({ status: 500, ok: false });
  });

  it('answers 429 with Retry-After: rejectRateLimitedCalls surfaces it with retryAfter', async () => {
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 7 });
    const error = await errorOf(clientFor({ rejectRateLimitedCalls: true }).chat.postMessage({ channel: 'C1', text: 'x' }));
    expect(error).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 7 });
    expect(fake.calls('chat.postMessage')[0]?.status).toBe(429);
  });

  it('without rejectRateLimitedCalls, web-api waits Retry-After seconds and retries', async () => {
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    const res = await clientFor({ retryConfig: { retries: 1, minTimeout: 0, maxTimeout: 0 } }).chat.postMessage({ channel: 'C1', text: 'x' });
    expect(res.ok).toBe(true);
    const [first, second] = fake.calls('chat.postMessage');
    expect(first?.status).toBe(429);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(900);
  });

  it('an outage fails every call until it is turned off', async () => {
    fake.outage(true);
    expect(await errorOf(client.auth.test())).toMatchObject({ code: ErrorCode.HTTPError, statusCode: 503 });
    const respond = await fetch(fake.responseUrl(), { method: 'POST', body: '{}' });
    expect(respond.status).toBe(503);
    fake.outage(false);
    expect((await client.auth.test()).ok).toBe(true);
  });
});

describe('response URLs', () => {
  const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('records JSON posts by id and allows five uses', async () => {
    const url = fake.responseUrl('cmd-1');
    expect(url).toBe(`${fake.baseUrl}/response/cmd-1`);
    const statuses: number[] = [];
    for (let i = 1; i <= 6; i += 1) statuses.push((await post(url, { text: `update ${i}` })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 404]);
    expect(fake.responses('cmd-1')[0]).toMatchObject({ id: 'cmd-1', body: { text: 'update 1' }, status: 200 });
    expect(fake.responses('other')).toEqual([]);
  });

  it('can fail the next response_url post', async () => {
    fake.failNext(RESPONSE_URL, { status: 500 });
    expect((await post(fake.responseUrl(), { text: 'x' })).status).toBe(500);
    expect((await post(fake.responseUrl(), { text: 'x' })).status).toBe(200);
  });
});

describe('waitFor', () => {
  it('resolves with what the predicate returns once it holds', async () => {
    setTimeout(() => void client.chat.postMessage({ channel: 'C9', text: 'later' }), 50);
    const call = await fake.waitForCall('chat.postMessage', (c) => c.body.channel === 'C9');
    expect(call.body.text).toBe('later');
  });

  it('times out with the recorded methods in the message', async () => {
    await client.auth.test();
    fake.failNext('chat.update', { error: 'cant_update_message' });
    await errorOf(client.chat.update({ channel: 'C1', ts: '1.1', text: 'x' }));
    await expect(fake.waitForCall('chat.postMessage', undefined, 100)).rejects.toThrow(
      /timed out after 100 ms; 2 call\(s\) recorded: auth.test, chat.update \(cant_update_message\)/,
    );
  });
});

function silentLogger(): Logger {
  const noop = (): void => undefined;
  return { debug: noop, info: noop, warn: noop, error: noop, setLevel: noop, getLevel: () => LogLevel.ERROR, setName: noop };
}
