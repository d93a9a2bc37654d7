import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, type SimCluster, type SimNodeOptions } from '../../sim';
import { simulatorConfigDocument } from '../../src/app/demo-config';
import { createRuntime, type Runtime, type RuntimeOptions, slackTransportOf } from '../../src/app/runtime';
import type { Config } from '../../src/config/schema';
import type { Clock } from '../../src/ops/clock';
import { parseConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/ops/logger';
import { opsRoutes } from '../../src/ops/ops-routes';
import { INTERACTION_MODULES } from '../../src/app/interaction-modules';
import { createSlackApp, type SlackApp } from '../../src/slack/create-slack-app';
import type { HttpRoute } from '../../src/http/http-route';
import { startFakeSlack, type FakeSlack } from './fake-slack';
import { blockActionsPayload, buttonAction, sendInteraction, sendSlashCommand, slashCommandBody, type SlackHttpResponse } from './slack-requests';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';
export const BOT_TOKEN = 'xoxb-test-token';

export interface TestBot {
  baseUrl: string;
  eventsUrl: string;
  fake: FakeSlack;
  sim: SimCluster;
  runtime: Runtime;
  slack: SlackApp;
  config: Config;
  dir: string;
  /** Sends a signed `/stemedb <text>`; the reply's response_url is the fake's `responseUrl(responseId)`. */
  command(text: string, fields?: Record<string, string>, responseId?: string): Promise<SlackHttpResponse>;
  /** Clicks a button (signed block_actions payload). */
  click(actionId: string, value: string, overrides?: Record<string, unknown>): Promise<SlackHttpResponse>;
  stop(): Promise<void>;
}

export interface StartBotOptions {
  nodes?: SimNodeOptions[];
  /** Deep-merged into the generated config document (arrays replace). */
  config?: Record<string, unknown>;
  /** Extra HTTP routes beside the ops routes (e.g. the Alertmanager webhook). */
  routes?: (runtime: Runtime) => HttpRoute[];
  sampleSeconds?: number;
  /** Reuse a directory (and its SQLite file) from an earlier bot: restart tests. */
  dir?: string;
  sim?: SimCluster;
  fake?: FakeSlack;
  /** The bot's clock (`services.now`): an offset clock lets a test step past a window without sleeping. */
  now?: () => Date;
  /** Timers of the escalation scheduler (a FakeClock); `services.now` follows it unless `now` is given. */
  clock?: Clock;
  /** Charts in threads: off unless a test asks (they add a message or file to every diagnosed thread). */
  charts?: RuntimeOptions['charts'];
}

/** Boots the real bot (Bolt HTTP receiver on 127.0.0.1) against the simulator and a fake Slack. */
export async function startBot(options: StartBotOptions = {}): Promise<TestBot> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'stemedb-bot-test-'));
  const fake = options.fake ?? (await startFakeSlack());
  const sim = options.sim ?? (await startCluster({ baseDir: join(dir, 'sim'), nodes: options.nodes ?? [{ name: 'stemedb-1', scenarios: ['disk_full'] }] }));
  const document = deepMerge(simulatorConfigDocument(sim, { sqlitePath: join(dir, 'bot.sqlite'), sampleSeconds: options.sampleSeconds ?? 1 }), {
    slack: { alertChannel: 'C0ALERTS' },
    ...options.config,
  });
  const config = parseConfig(document, 'test config');
  const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const runtime = await createRuntime({
    config,
    log,
    secret: (name) => process.env[name],
    slack: { botToken: BOT_TOKEN, slackApiUrl: fake.apiUrl, retries: 0, channelIntervalMs: 20 },
    now: options.now,
    clock: options.clock,
    charts: options.charts ?? { enabled: false },
  });
  const slack = createSlackApp({
    transport: slackTransportOf(runtime),
    interactions: INTERACTION_MODULES,
    services: runtime.services,
    signingSecret: SIGNING_SECRET,
    responseUrlPrefix: `${fake.baseUrl}/response/`,
    routes: [...opsRoutes(runtime.metrics.registry, []), ...(options.routes?.(runtime) ?? [])],
    port: 0,
    host: '127.0.0.1',
  });
  const port = await slack.start();
  await runtime.start();
  const baseUrl = `http://127.0.0.1:${port}`;
  const eventsUrl = `${baseUrl}/slack/events`;
  return {
    baseUrl,
    eventsUrl,
    fake,
    sim,
    runtime,
    slack,
    config,
    dir,
    command: (text, fields = {}, responseId) =>
      sendSlashCommand(eventsUrl, SIGNING_SECRET, slashCommandBody({ text, response_url: fake.responseUrl(responseId), ...fields })),
    click: (actionId, value, overrides = {}) =>
      sendInteraction(
        eventsUrl,
        SIGNING_SECRET,
        blockActionsPayload({ actions: [buttonAction({ action_id: actionId, value })], response_url: fake.responseUrl(), ...overrides }),
      ),
    async stop() {
      await slack.stop();
      await runtime.close();
      if (!options.sim) await sim.stop();
      if (!options.fake) await fake.close();
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function deepMerge(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const current = out[key];
    out[key] =
      value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object' && !Array.isArray(current)
        ? deepMerge(current as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}
