/**
 * The bot in a process of its own, for crash tests: `node --import tsx test/alerts/bot-process.ts <json>` with
 * `{config, slackApiUrl, token}`; prints `PORT <n>` once it listens. The parent kills it with SIGKILL.
 */
import { createRuntime, slackTransportOf } from '../../src/app/runtime';
import { parseConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/ops/logger';
import { INTERACTION_MODULES } from '../../src/app/interaction-modules';
import { createSlackApp } from '../../src/slack/create-slack-app';
import { BOT_TOKEN, SIGNING_SECRET } from '../harness/start-bot';

const { config, slackApiUrl, token } = JSON.parse(process.argv[2] ?? '{}') as { config: Record<string, unknown>; slackApiUrl: string; token: string };
const runtime = await createRuntime({
  config: parseConfig(config, 'crash test config'),
  log: createLogger('silent'),
  secret: () => undefined,
  slack: { botToken: BOT_TOKEN, slackApiUrl, retries: 0, channelIntervalMs: 20 },
});
const slack = createSlackApp({
  transport: slackTransportOf(runtime),
  interactions: INTERACTION_MODULES,
  services: runtime.services,
  signingSecret: SIGNING_SECRET,
  responseUrlPrefix: new URL('/response/', slackApiUrl).href,
  routes: [runtime.alerts.route(token)],
  port: 0,
  host: '127.0.0.1',
});
const port = await slack.start();
await runtime.start();
process.stdout.write(`PORT ${port}\n`);
