import { App, HTTPReceiver, SocketModeReceiver } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Services } from '../app/services';
import { dispatchCommand } from '../dispatch/dispatch-command';
import type { HttpRoute } from '../http/http-route';
import type { Logger } from '../ops/logger';
import { createBackgroundWork } from './background-work';
import type { InteractionModule } from './interaction-module';
import { DEFAULT_RESPONSE_URL_PREFIX, enforceResponseUrls } from './response-url-policy';
import { dedupeSlackDeliveries } from './slack-delivery-dedupe';
import type { SlackQueue } from './slack-queue';
import { boltLogger, type SlackTransport } from './slack-transport';
import { slackReply } from './slack-reply';
import { guardSlackRequests } from './slack-request-guard';

/** The longest a recording command holds its ack: Slack gives up after 3 s. */
const RECORD_BEFORE_ACK_MS = 2_000;
export interface SlackAppOptions {
  services: Services;
  /** The features' buttons and modals (src/app/interaction-modules.ts). */
  interactions: readonly InteractionModule[];
  /** Slack's outbound side, built by the runtime (runtime.slack) so features had the chat port from the start. */
  transport: SlackTransport;
  signingSecret?: string;
  /** Socket Mode when set; the HTTP receiver on `port` otherwise. */
  appToken?: string;
  routes: HttpRoute[];
  port: number;
  /** Interface to listen on (HTTP mode); all interfaces when unset. */
  host?: string;
  /** The only host `response_url`s may name (`SLACK_RESPONSE_URL_PREFIX`); Slack's hooks host by default. */
  responseUrlPrefix?: string;
}

export interface SlackApp {
  app: App;
  client: WebClient;
  queue: SlackQueue;
  /** Starts listening; resolves with the bound port (HTTP mode) once ready. */
  start(): Promise<number | undefined>;
  stop(): Promise<void>;
}

/** The Bolt app: `/stemedb` acks at once and dispatches after the ack; ops and webhook routes ride along. */
export function createSlackApp(options: SlackAppOptions): SlackApp {
  const { services, routes } = options;
  const responseUrlPrefix = options.responseUrlPrefix ?? DEFAULT_RESPONSE_URL_PREFIX;
  const { client, clientOptions, queue, botToken } = options.transport;
  const app = options.appToken
    ? new App({
        token: botToken,
        receiver: new SocketModeReceiver({
          appToken: options.appToken,
          customRoutes: routes,
          installerOptions: { port: options.port },
          logger: boltLogger(services.log),
        }),
        clientOptions,
        logger: boltLogger(services.log),
        deferInitialization: true,
      })
    : new App({
        token: botToken,
        receiver: guardedHttpReceiver(options, responseUrlPrefix),
        clientOptions,
        logger: boltLogger(services.log),
        deferInitialization: true,
      });
  enforceResponseUrls(app, responseUrlPrefix, services.log);
  // Slack's retries and repeats, whichever replica took the first: acked and dropped here (both receivers).
  dedupeSlackDeliveries(app, {
    deliveries: services.store.deliveries,
    log: services.log,
    now: services.now,
    onDuplicate: (source) => services.metrics.duplicateDeliveries.inc({ source }),
  });
  const work = createBackgroundWork({ concurrency: 4, onTaskError: (err) => services.log.error({ err }, 'work after a Slack ack failed (kept serving)') });
  const recordBeforeAck = new Set(services.commands.filter((c) => c.recordBeforeAck).map((c) => c.name));
  app.command('/stemedb', async ({ command, ack, respond }) => {
    work.noteArrival();
    const run = () =>
      dispatchCommand(command.text ?? '', {
        surface: 'slack',
        invoker: { userId: command.user_id, userName: command.user_name },
        channelId: command.channel_id,
        services,
        reply: slackReply({ respond, chat: options.transport.messenger, channel: command.channel_id }),
      });
    const verb = (command.text ?? '').trim().split(/\s+/)[0]?.toLowerCase() ?? '';
    if (!recordBeforeAck.has(verb)) {
      await ack();
      work.run(run);
      return;
    }
    // Slack never re-sends an acknowledged command: a replica dying between the ack and the escalation's
    // write would lose the page. Ack once it is recorded, or at the latest well inside Slack's 3 s.
    const done = run().catch((err: unknown) => services.log.error({ err, verb }, 'command failed'));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise<void>((r) => (timer = setTimeout(r, RECORD_BEFORE_ACK_MS)))]);
    clearTimeout(timer);
    await ack();
  });

  for (const register of options.interactions) register(app, { services, queue, chat: options.transport.messenger, work });

  app.error(async (err) => {
    services.log.error({ err }, 'unhandled Slack listener error');
  });

  return {
    app,
    client,
    queue,
    async start() {
      await initWithRetry(app, services.log);
      const server = (await app.start(options.host ? { port: options.port, host: options.host } : options.port)) as
        | { address?: () => { port: number } | string | null }
        | undefined;
      const address = server?.address?.();
      return typeof address === 'object' && address ? address.port : undefined;
    },
    async stop() {
      await Promise.race([work.idle(), new Promise((r) => setTimeout(r, 5_000))]);
      queue.close();
      await app.stop();
    },
  };
}

/** Bolt's HTTP receiver with our request guard (signature, replay window, body shape, response_url) in front. */
function guardedHttpReceiver(options: SlackAppOptions, responseUrlPrefix: string): HTTPReceiver {
  if (!options.signingSecret) throw new Error('HTTP mode needs SLACK_SIGNING_SECRET');
  const receiver = new HTTPReceiver({
    signingSecret: options.signingSecret,
    customRoutes: options.routes,
    processBeforeResponse: false,
    logger: boltLogger(options.services.log),
  });
  receiver.requestListener = guardSlackRequests(receiver.requestListener, {
    signingSecret: options.signingSecret,
    responseUrlPrefix,
    log: options.services.log,
  });
  return receiver;
}

/**
 * Bolt's init calls auth.test; if that fails, Bolt caches the failure and answers 401 to every request, so
 * retry here (Slack briefly unreachable at start-up) rather than start a bot that refuses everything.
 */
async function initWithRetry(app: App, log: Logger): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await app.init();
      return;
    } catch (err) {
      if (attempt >= 5) throw err;
      log.warn({ err, attempt }, 'Slack initialisation (auth.test) failed: retrying');
      await new Promise((r) => setTimeout(r, 1000 * attempt));
    }
  }
}
