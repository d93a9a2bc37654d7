/**
 * A process under test for the `ack` bench: `bare` (a Bolt app that only acks) or `bot` (this bot on a config
 * file). Prints `PORT <n>` once listening. Separate processes, so neither shares an event loop with the load
 * generator, the fake Slack or the simulator - as in production.
 */
import { App } from '@slack/bolt';
import { loadConfig } from '../src/config/load-config';
import { createRuntime, slackTransportOf } from '../src/app/runtime';
import { createLogger } from '../src/ops/logger';
import { INTERACTION_MODULES } from '../src/app/interaction-modules';
import { createSlackApp } from '../src/slack/create-slack-app';

const [kind, slackApiUrl, signingSecret, configFile, charts] = process.argv.slice(2);
if (!kind || !slackApiUrl || !signingSecret) throw new Error('usage: ack-target <bare|bot> <slackApiUrl> <signingSecret> [config]');

if (kind === 'bare') {
  const app = new App({ token: 'xoxb-bare', signingSecret, botId: 'B0BARE', botUserId: 'U0BARE', clientOptions: { slackApiUrl, retryConfig: { retries: 0 } } });
  app.command('/stemedb', async ({ ack }) => ack());
  const server = (await app.start({ port: 0, host: '127.0.0.1' })) as { address(): { port: number } };
  console.log(`PORT ${server.address().port}`);
} else {
  // `charts`: `on` draws charts after diagnoses (every node sampled every 15 s); otherwise charts are off.
  const runtime = await createRuntime({
    config: loadConfig(configFile!),
    log: createLogger('silent'),
    secret: () => undefined,
    slack: { botToken: 'xoxb-bot', slackApiUrl, retries: 0, channelIntervalMs: 0 },
    charts: charts === 'on' ? { sampleAllNodes: true, sampleIntervalMs: 15_000 } : { enabled: false },
  });
  runtime.services.charts.start();
  const slack = createSlackApp({
    transport: slackTransportOf(runtime),
    interactions: INTERACTION_MODULES,
    services: runtime.services,
    signingSecret,
    responseUrlPrefix: new URL('/response/', slackApiUrl).href,
    routes: [],
    port: 0,
    host: '127.0.0.1',
  });
  console.log(`PORT ${await slack.start()}`);
}
