import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCaptureServer, type CaptureServer } from '../harness/capture-server';
import { blockActionsPayload, buttonAction, sendInteraction, sendSignedBody, sendSlashCommand, slashCommandBody } from '../harness/slack-requests';
import { SIGNING_SECRET, startBot, type TestBot } from '../harness/start-bot';
import { BAD_SIGNATURES, FOREIGN_RESPONSE_URLS, MALFORMED_BODIES } from './request-corpus';

/** Items 1, 3 and 4 of issue 11 against the real Bolt receiver (in-process; the process test is beside this). */
describe('hostile requests to the Slack endpoint', () => {
  let bot: TestBot;
  let capture: CaptureServer;
  beforeAll(async () => {
    capture = await startCaptureServer();
    bot = await startBot();
  }, 60_000);
  afterAll(async () => {
    await bot?.stop();
    await capture?.close();
  });

  it.each(MALFORMED_BODIES)('answers 400 with a reason to a signed $name', async ({ body, contentType }) => {
    const res = await sendSignedBody(bot.eventsUrl, SIGNING_SECRET, body, { contentType });
    expect(res.status).toBe(400);
    expect(res.json<{ error: string }>().error.length).toBeGreaterThan(5);
    expect((await fetch(`${bot.baseUrl}/healthz`)).status).toBe(200);
  });

  it.each(BAD_SIGNATURES)('answers 401 to a command with $name, and runs nothing', async ({ offsetSec, forge, omit, stamp }) => {
    const before = bot.fake.responses().length;
    const body = new URLSearchParams(Object.entries(slashCommandBody({ text: 'help', response_url: bot.fake.responseUrl() })) as [string, string][]).toString();
    const timestampSec = offsetSec === undefined ? undefined : Math.floor(Date.now() / 1000) + offsetSec;
    const res = await sendSignedBody(bot.eventsUrl, SIGNING_SECRET, body, {
      forgeSignature: forge,
      omitSignature: omit,
      ...(timestampSec !== undefined ? { timestampSec } : {}),
      ...(stamp ? { headers: { 'x-slack-request-timestamp': stamp } } : {}),
    });
    expect(res.status).toBe(401);
    await new Promise((r) => setTimeout(r, 150));
    expect(bot.fake.responses().length).toBe(before);
  });

  it('still accepts a command stamped 4 minutes either way (inside the window)', async () => {
    for (const offset of [-240, 240]) {
      const res = await sendSlashCommand(
        bot.eventsUrl,
        SIGNING_SECRET,
        { text: 'help', response_url: bot.fake.responseUrl(`window${offset}`) },
        { timestampSec: Math.floor(Date.now() / 1000) + offset },
      );
      expect(res.status).toBe(200);
      await bot.fake.waitFor(() => bot.fake.responses(`window${offset}`).length > 0);
    }
  });

  it.each(FOREIGN_RESPONSE_URLS)('never POSTs to a response_url of %s (slash command and click)', async (template) => {
    capture.reset();
    const url = template.replace('{capture}', capture.url);
    const command = await sendSlashCommand(bot.eventsUrl, SIGNING_SECRET, { text: 'help', response_url: url });
    expect(command.status).toBe(400);
    const click = await sendInteraction(
      bot.eventsUrl,
      SIGNING_SECRET,
      blockActionsPayload({ response_url: url, actions: [buttonAction({ action_id: 'diagnosis_slow_queries', value: '{"node":"stemedb-1"}' })] }),
    );
    expect(click.status).toBe(400);
    await new Promise((r) => setTimeout(r, 300));
    expect(capture.requests()).toEqual([]);
  });
});
