import type { AddressInfo } from 'node:net';
import { App, LogLevel, type BlockButtonAction, type SlashCommand } from '@slack/bolt';
import { ErrorCode, type WebClientOptions } from '@slack/web-api';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_TEAM, startFakeSlack, type FakeSlack } from './fake-slack';
import { blockActionsPayload, buttonAction, plainTextState, sendInteraction, sendSlashCommand, viewSubmissionPayload } from './slack-requests';

const SECRET = 'test-signing-secret';
let fake: FakeSlack;
let running: App[] = [];

beforeAll(async () => {
  fake = await startFakeSlack();
});
beforeEach(() => fake.reset());
afterEach(async () => {
  await Promise.all(running.map((app) => app.stop()));
  running = [];
});
afterAll(() => fake.close());

function newApp(extra: { clientOptions?: WebClientOptions; botId?: string; botUserId?: string } = {}): App {
  return new App({
    token: 'xoxb-test',
    signingSecret: SECRET,
    logLevel: LogLevel.ERROR,
    botId: extra.botId,
    botUserId: extra.botUserId,
    clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 }, ...extra.clientOptions },
  });
}

/** Starts on 127.0.0.1 and a free port; `app.start` resolves with the HTTPReceiver's http.Server. */
async function start(app: App): Promise<string> {
  const server = await app.start({ port: 0, host: '127.0.0.1' });
  running.push(app);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
}

describe('Bolt App against the fake Slack', () => {
  it('calls auth.test at construction when given a token without botId/botUserId', async () => {
    newApp();
    const call = await fake.waitForCall('auth.test');
    expect(call.token).toBe('xoxb-test');
  });

  it('skips auth.test when botId and botUserId are given', async () => {
    const app = newApp({ botId: FAKE_TEAM.botId, botUserId: FAKE_TEAM.botUserId });
    app.command('/stemedb', async ({ ack }) => ack());
    expect((await sendSlashCommand(await start(app), SECRET)).status).toBe(200);
    expect(fake.calls('auth.test')).toEqual([]);
  });

  it('delivers a signed slash command; a bare ack() is 200 with an empty body', async () => {
    const app = newApp();
    const seen: SlashCommand[] = [];
    app.command('/stemedb', async ({ command, ack }) => {
      seen.push(command);
      await ack();
    });
    const res = await sendSlashCommand(await start(app), SECRET, { text: 'diagnose stemedb-1' });
    expect(res).toMatchObject({ status: 200, body: '' });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ command: '/stemedb', text: 'diagnose stemedb-1', user_id: 'U_ALICE', channel_id: 'C0ALERTS' });
  });

  it('sends ack(object) back as JSON', async () => {
    const app = newApp();
    app.command('/stemedb', async ({ ack }) => ack({ response_type: 'ephemeral', text: 'working on it' }));
    const res = await sendSlashCommand(await start(app), SECRET);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.json()).toEqual({ response_type: 'ephemeral', text: 'working on it' });
  });

  it.each([
    ['a forged signature', { forgeSignature: true }, 401],
    ['a timestamp 6 minutes old', { timestampSec: Math.floor(Date.now() / 1000) - 360 }, 401],
    ['no signature', { omitSignature: true }, 401],
    ['a charset in the content type', { contentType: 'application/x-www-form-urlencoded;charset=UTF-8' }, 400],
  ])('refuses %s without running the handler', async (_name, opts, status) => {
    const app = newApp();
    let runs = 0;
    app.command('/stemedb', async ({ ack }) => {
      runs += 1;
      await ack();
    });
    expect((await sendSlashCommand(await start(app), SECRET, {}, opts)).status).toBe(status);
    expect(runs).toBe(0);
  });

  it('accepts a timestamp from the future (Bolt only rejects stale ones)', async () => {
    const app = newApp();
    app.command('/stemedb', async ({ ack }) => ack());
    const res = await sendSlashCommand(await start(app), SECRET, {}, { timestampSec: Math.floor(Date.now() / 1000) + 600 });
    expect(res.status).toBe(200);
  });

  it('exposes x-slack-retry-num as context.retryNum', async () => {
    const app = newApp();
    const retries: unknown[] = [];
    app.command('/stemedb', async ({ ack, context }) => {
      retries.push(context.retryNum);
      await ack();
    });
    await sendSlashCommand(await start(app), SECRET, {}, { headers: { 'x-slack-retry-num': '2' } });
    expect(retries).toEqual([2]);
  });

  it('lands respond() in fake.responses() and client calls in fake.calls()', async () => {
    const app = newApp();
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*stemedb-1*: healthy' } }];
    app.command('/stemedb', async ({ ack, respond, client, command }) => {
      await ack();
      await respond({ response_type: 'ephemeral', text: 'diagnosing' });
      await client.chat.postMessage({ channel: command.channel_id, text: 'stemedb-1: healthy', blocks });
    });
    await sendSlashCommand(await start(app), SECRET, { response_url: fake.responseUrl('cmd-1') });
    const post = await fake.waitForCall('chat.postMessage');
    expect(fake.responses('cmd-1')).toMatchObject([{ body: { response_type: 'ephemeral', text: 'diagnosing' }, status: 200 }]);
    expect(post).toMatchObject({ token: 'xoxb-test', body: { channel: 'C0ALERTS', blocks } });
    expect(fake.messages('C0ALERTS')).toMatchObject([{ text: 'stemedb-1: healthy', blocks }]);
  });

  it('surfaces a 429 as a rate-limit error with retryAfter when rejectRateLimitedCalls is set', async () => {
    const app = newApp({ clientOptions: { rejectRateLimitedCalls: true } });
    const errors: unknown[] = [];
    app.command('/stemedb', async ({ ack, client }) => {
      await ack();
      await client.chat.postMessage({ channel: 'C0ALERTS', text: 'x' }).catch((e: unknown) => errors.push(e));
    });
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    await sendSlashCommand(await start(app), SECRET);
    await fake.waitFor(() => errors.length > 0);
    expect(errors[0]).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 1 });
    expect(fake.calls('chat.postMessage')).toMatchObject([{ status: 429 }]);
  });

  it('delivers a block_actions payload to app.action()', async () => {
    const app = newApp();
    const seen: unknown[] = [];
    app.action<BlockButtonAction>('ack_incident', async ({ ack, body, action, respond }) => {
      await ack();
      seen.push({ value: action.value, container: body.container });
      await respond({ replace_original: true, text: 'acknowledged by <@U_ALICE>' });
    });
    const payload = blockActionsPayload({
      actions: [buttonAction({ action_id: 'ack_incident', value: 'inc-42' })],
      message: { type: 'message', ts: '1700000000.000200', text: 'alert' },
      response_url: fake.responseUrl('act-1'),
    });
    expect((await sendInteraction(await start(app), SECRET, payload)).status).toBe(200);
    await fake.waitFor(() => fake.responses('act-1')[0]);
    expect(seen).toEqual([{ value: 'inc-42', container: expect.objectContaining({ message_ts: '1700000000.000200', channel_id: 'C0ALERTS' }) }]);
    expect(fake.responses('act-1')[0]?.body).toEqual({ replace_original: true, text: 'acknowledged by <@U_ALICE>' });
  });

  it('delivers a view_submission to app.view() and returns its ack body', async () => {
    const app = newApp();
    app.view('stemedb_modal', async ({ ack, view }) => {
      const reason = view.state.values.reason?.text?.value;
      await ack({ response_action: 'errors', errors: { reason: `got ${reason}` } });
    });
    const payload = viewSubmissionPayload({ view: { state: plainTextState({ reason: { text: 'disk full' } }) } });
    const res = await sendInteraction(await start(app), SECRET, payload);
    expect(res.json()).toEqual({ response_action: 'errors', errors: { reason: 'got disk full' } });
  });
});
