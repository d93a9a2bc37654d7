import { COMMANDS } from '../../commands';
import type { Config } from '../config/schema';
import { createBotMetrics, type BotMetrics } from '../ops/bot-metrics';
import type { Logger } from '../ops/logger';
import { createServices, type SecretSource, type Services } from './services';

/** Everything a running bot (Slack or shell) holds; `close()` releases it in reverse order. */
export interface Runtime {
  services: Services;
  metrics: BotMetrics;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  config: Config;
  log: Logger;
  /** Secrets by environment variable name (admin tokens, PagerDuty keys). */
  secret: SecretSource;
  now?: () => Date;
}

/** Builds the services for a config. */
export async function createRuntime({ config, log, secret, now }: RuntimeOptions): Promise<Runtime> {
  const metrics = createBotMetrics();
  const services = createServices({ config, log, metrics, secret, commands: COMMANDS, now });
  return {
    services,
    metrics,
    async close() {},
  };
}
