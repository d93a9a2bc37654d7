import { LogLevel, type Logger as SlackLogger } from '@slack/bolt';
import { WebClient, type WebClientOptions } from '@slack/web-api';
import type { Clock } from '../ops/clock';
import type { Logger } from '../ops/logger';
import { createSlackDirectory, type SlackDirectory } from '../pagers/slack-directory';
import type { ChatPort } from '../surfaces/chat-port';
import { createSlackChat } from './slack-chat';
import { SlackQueue, type SlackQueueOptions } from './slack-queue';

export interface SlackTransportOptions {
  botToken: string;
  slackApiUrl?: string;
  /** `0` in tests: the default policy can stall for about 30 minutes. */
  retries?: number;
  /** Minimum gap between two calls for one channel (Slack: about one message per second). */
  channelIntervalMs?: number;
}

/**
 * Slack's outbound side, built once by the composition root before any feature: the Web API client, the one
 * paced queue, the chat port over it and the read-side directory. Features get the chat port (and escalation
 * the directory) at construction; nothing swaps them later. The Bolt app (inbound) reuses this transport.
 */
export interface SlackTransport {
  botToken: string;
  client: WebClient;
  clientOptions: WebClientOptions;
  queue: SlackQueue;
  /** The chat port on Slack (slack-chat.ts). */
  messenger: ChatPort;
  directory: SlackDirectory;
}

export interface SlackTransportDeps {
  log: Logger;
  clock: Clock;
  onError: (method: string, error: string) => void;
  /**
   * The app's Slack pace in the store (`store.slackPace`; on SQLite on the process's clock): every call claims
   * its channel or method there right before it leaves, across replicas and restarts.
   */
  pace?: SlackQueueOptions['pace'];
}

export function createSlackTransport(options: SlackTransportOptions, deps: SlackTransportDeps): SlackTransport {
  const clientOptions: WebClientOptions = {
    slackApiUrl: options.slackApiUrl,
    timeout: 10_000,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: options.retries ?? 2, factor: 2, minTimeout: 500, maxTimeout: 5_000 },
    logger: boltLogger(deps.log),
  };
  const client = new WebClient(options.botToken, clientOptions);
  const queue = new SlackQueue(client, {
    channelIntervalMs: options.channelIntervalMs ?? 1_000,
    concurrency: 4,
    maxRetries: options.retries ?? 3,
    log: deps.log,
    clock: deps.clock,
    onError: deps.onError,
    pace: deps.pace,
  });
  return { botToken: options.botToken, client, clientOptions, queue, messenger: createSlackChat(queue), directory: createSlackDirectory(queue) };
}

/** Bolt and the Web API log through our pino logger, at its level. */
export function boltLogger(log: Logger): SlackLogger {
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
