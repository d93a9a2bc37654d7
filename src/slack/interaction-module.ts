import type { App } from '@slack/bolt';
import type { Services } from '../app/services';
import type { ChatPort } from '../surfaces/chat-port';
import type { SlackQueue } from './slack-queue';

/** What a feature's Slack listeners (buttons, modals) get. */
export interface SlackDeps {
  services: Services;
  queue: SlackQueue;
  /** The Slack chat port (the same as the runtime's): answers in threads and channels. */
  chat: ChatPort;
  /** The ack-first work pool (slack/background-work.ts): what a click does runs after its ack. */
  work: AfterAckWork;
}

export interface AfterAckWork {
  /** A request arrived: new work waits while a burst is being acked. */
  noteArrival(): void;
  run(task: () => Promise<unknown>): void;
}

/**
 * A feature's buttons and modals. Features export theirs; the composition root (src/app/interaction-modules.ts)
 * lists them and hands the list to createSlackApp, so the Slack adapter never imports a feature.
 */
export type InteractionModule = (app: App, deps: SlackDeps) => void;
