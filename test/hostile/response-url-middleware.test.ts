import { App, type Receiver } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/ops/logger';
import { enforceResponseUrls, responseUrlAllowed } from '../../src/slack/response-url-policy';
import { startCaptureServer, type CaptureServer } from '../harness/capture-server';
import { blockActionsPayload, buttonAction, slashCommandBody } from '../harness/slack-requests';
import { FOREIGN_RESPONSE_URLS } from './request-corpus';

/** Socket Mode has no HTTP guard in front: the Bolt middleware applies the response_url rule there. */
describe('the response_url rule inside Bolt (Socket Mode path)', () => {
  let capture: CaptureServer;
  let app: App;
  const ran: string[] = [];
  const idle: Receiver = { init: () => undefined, start: async () => undefined, stop: async () => undefined };
  beforeAll(async () => {
    capture = await startCaptureServer();
    app = new App({
      token: 'xoxb-x',
      receiver: idle,
      botId: 'B1',
      botUserId: 'U1',
      logger: { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => 'error' as never, setName() {} },
    });
    enforceResponseUrls(app, 'https://hooks.slack.com/', createLogger('silent'));
    app.command('/stemedb', async ({ ack, respond }) => {
      ran.push('command');
      await ack();
      await respond('hi');
    });
    app.action('diagnosis_rerun', async ({ ack, respond }) => {
      ran.push('action');
      await ack();
      await respond('hi');
    });
  });
  afterAll(async () => capture?.close());

  it.each(FOREIGN_RESPONSE_URLS)('acks and drops a payload whose response_url is %s', async (template) => {
    const url = template.replace('{capture}', capture.url);
    for (const body of [
      slashCommandBody({ response_url: url }),
      blockActionsPayload({ response_url: url, actions: [buttonAction({ action_id: 'diagnosis_rerun' })] }),
    ]) {
      let acked = false;
      await app.processEvent({ body: body as never, ack: async () => void (acked = true) });
      expect(acked).toBe(true);
    }
    expect(ran).toEqual([]);
    expect(capture.requests()).toEqual([]);
  });

  it("lets Slack's own hooks host through (and only it)", () => {
    expect(responseUrlAllowed('https://hooks.slack.com/commands/T1/1/abc', 'https://hooks.slack.com/')).toBe(true);
    expect(responseUrlAllowed('https://hooks.slack.com:444/commands/T1/1/abc', 'https://hooks.slack.com/')).toBe(false);
    expect(responseUrlAllowed('https://HOOKS.slack.com/actions/T1/1/abc', 'https://hooks.slack.com/')).toBe(true);
  });
});
