import { App, HTTPReceiver, LogLevel, SocketModeReceiver, type Logger as SlackLogger } from '@slack/bolt';
import { WebClient, type WebClientOptions } from '@slack/web-api';
import type { Services } from '../app/services';
import { dispatchCommand } from '../dispatch/dispatch-command';
import type { HttpRoute } from '../http/http-route';
import { systemClock } from '../ops/clock';
import type { Logger } from '../ops/logger';
import { createBackgroundWork } from './background-work';
import type { InteractionModule } from './interaction-module';
import { DEFAULT_RESPONSE_URL_PREFIX, enforceResponseUrls } from './response-url-policy';
import { createSlackMessenger } from './messenger';
import { SlackQueue } from './slack-queue';
import { slackReply } from './slack-reply';
import { guardSlackRequests } from './slack-request-guard';

export interface SlackAppOptions {
  services: Services;
  /** The features' buttons and modals (src/app/interaction-modules.ts). */
  interactions: readonly InteractionModule[];
  botToken: string;
  signingSecret?: string;
  /** Socket Mode when set; the HTTP receiver on `port` otherwise. */
  appToken?: string;
  slackApiUrl?: string;
  routes: HttpRoute[];
  /** `{ retries: 0 }` in tests: the default policy can stall for about 30 minutes. */
  retries?: number;
  channelIntervalMs?: number;
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
  const clientOptions: WebClientOptions = {
    slackApiUrl: options.slackApiUrl,
    timeout: 10_000,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: options.retries ?? 2, factor: 2, minTimeout: 500, maxTimeout: 5_000 },
    logger: boltLogger(services.log),
  };
  const app = options.appToken
    ? new App({
        token: options.botToken,
        receiver: new SocketModeReceiver({ appToken: options.appToken, customRoutes: routes, installerOptions: { port: options.port }, logger: boltLogger(services.log) }),
        clientOptions,
        logger: boltLogger(services.log),
        deferInitialization: true,
      })
    : new App({
        token: options.botToken,
        receiver: guardedHttpReceiver(options, responseUrlPrefix),
        clientOptions,
        logger: boltLogger(services.log),
        deferInitialization: true,
      });
  enforceResponseUrls(app, responseUrlPrefix, services.log);
  const client = new WebClient(options.botToken, clientOptions);
  const queue = new SlackQueue(client, {
    channelIntervalMs: options.channelIntervalMs ?? 1_000,
    concurrency: 4,
    maxRetries: options.retries ?? 3,
    log: services.log,
    clock: systemClock,
    onError: (method, error) => services.metrics.slackErrors.inc({ method, error }),
  });

  const work = createBackgroundWork({ concurrency: 4, onTaskError: (err) => services.log.error({ err }, 'work after a Slack ack failed (kept serving)') });
  app.command('/stemedb', async ({ command, ack, respond }) => {
    work.noteArrival();
    await ack();
    work.run(() =>
      dispatchCommand(command.text ?? '', {
        surface: 'slack',
        invoker: { userId: command.user_id, userName: command.user_name },
        channelId: command.channel_id,
        services,
        reply: slackReply({ respond, queue, channel: command.channel_id }),
      }),
    );
  });

  // From here on, bot-initiated messages (alert threads, pages) go through Slack's paced queue.
  services.messenger = createSlackMessenger(queue);
  for (const register of options.interactions) register(app, { services, queue });

  app.error(async (err) => {
    services.log.error({ err }, 'unhandled Slack listener error');
  });

  return {
    app,
    client,
    queue,
    async start() {
      await initWithRetry(app, services.log);
      const server = (await app.start(options.host ? { port: options.port, host: options.host } : options.port)) as { address?: () => { port: number } | string | null } | undefined;
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
  receiver.requestListener = guardSlackRequests(receiver.requestListener, { signingSecret: options.signingSecret, responseUrlPrefix, log: options.services.log });
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

/** Bolt and the Web API log through our pino logger, at its level. */
function boltLogger(log: Logger): SlackLogger {
  const child = log.child({ component: 'slack' });
  return {
    debug: (...msg) => child.debug(msg.map(String).join(' ')),
    info: (...msg) => child.info(msg.map(String).join(' ')),
    warn: (...msg) => child.warn(msg.map(String).join(' ')),
    error: (...msg) => child.error(msg.map(String).join(' ')),
    setLevel: () => undefined,
    getLevel: () => LogLevel.INFO,
    setName: () => undefined,
  };
}
