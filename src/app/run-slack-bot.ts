import type { Env } from '../config/env';
import { opsRoutes } from '../ops/ops-routes';
import { installProcessGuards } from '../ops/process-guards';
import { INTERACTION_MODULES } from './interaction-modules';
import { createSlackApp } from '../slack/create-slack-app';
import { slackTransportOf, type Runtime } from './runtime';

/** Starts the Slack bot (Socket Mode or HTTP) and stops it cleanly on SIGTERM/SIGINT. */
export async function runSlackBot(runtime: Runtime, env: Env): Promise<void> {
  const { services } = runtime;
  // No single request may end the process: see process-guards.ts for the rule.
  installProcessGuards(services.log);
  let slackOk = false;
  const routes = [
    ...opsRoutes(runtime.metrics.registry, [
      // A trivial query with a timeout (no transaction holds the store for good, the database answers), and on
      // PostgreSQL the schema gate: a replica older than the database's schema takes no traffic.
      { name: 'store', check: () => runtime.storeReady(2_000) },
      {
        name: 'slack',
        check: () => {
          if (!slackOk) throw new Error('auth.test has not succeeded yet');
        },
      },
    ]),
    // Mounted even without a token: it answers 503 "set ALERTMANAGER_TOKEN", so the misconfiguration shows.
    runtime.alerts.route(env.ALERTMANAGER_TOKEN),
  ];
  if (!env.ALERTMANAGER_TOKEN) services.log.warn('ALERTMANAGER_TOKEN is not set: POST /alertmanager answers 503 until it is');
  const slack = createSlackApp({
    transport: slackTransportOf(runtime),
    interactions: INTERACTION_MODULES,
    services,
    signingSecret: env.SLACK_SIGNING_SECRET,
    appToken: env.SLACK_APP_TOKEN,
    responseUrlPrefix: env.SLACK_RESPONSE_URL_PREFIX,
    routes,
    port: env.PORT,
  });
  const port = await slack.start();
  await runtime.start();
  const auth = await slack.client.auth.test().catch((err: Error) => {
    services.log.error({ err }, 'Slack auth.test failed: check SLACK_BOT_TOKEN');
    return undefined;
  });
  slackOk = auth?.ok === true;
  services.log.info({ mode: env.SLACK_APP_TOKEN ? 'socket' : 'http', port: port ?? env.PORT, team: auth?.team }, 'stemedb-chatops started');

  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      services.log.info({ signal }, 'shutting down');
      resolve();
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
  await slack.stop();
  await runtime.close();
}
