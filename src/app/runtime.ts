import { COMMANDS } from '../../commands';
import type { Config } from '../config/schema';
import { createSqliteIncidentStore } from '../incidents/incident-store';
import { createBotMetrics, type BotMetrics } from '../ops/bot-metrics';
import type { Logger } from '../ops/logger';
import { createConsoleMessenger, type Messenger } from '../slack/messenger';
import { createSqliteAuditLog } from '../store/audit-log';
import { openDatabase } from '../store/database';
import { MIGRATIONS } from '../store/migrations';
import { createServices, type SecretSource, type Services } from './services';

/** Everything a running bot (Slack or shell) holds; `close()` releases it in reverse order. */
export interface Runtime {
  services: Services;
  metrics: BotMetrics;
  /** Background work (schedulers, pollers) started by `start()` and stopped by `close()`. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  config: Config;
  log: Logger;
  /** Secrets by environment variable name (admin tokens, PagerDuty keys). */
  secret: SecretSource;
  /** Defaults to printing on stdout (the local shell); the Slack bot passes Slack's. */
  messenger?: Messenger;
  now?: () => Date;
}

/** Opens the store and builds the services for a config. */
export async function createRuntime({ config, log, secret, messenger, now }: RuntimeOptions): Promise<Runtime> {
  const metrics = createBotMetrics();
  const db = openDatabase(config.store.sqlitePath, MIGRATIONS);
  const store = { db, incidents: createSqliteIncidentStore(db), audit: createSqliteAuditLog(db) };
  const services = createServices({
    config,
    log,
    metrics,
    secret,
    commands: COMMANDS,
    store,
    messenger: messenger ?? createConsoleMessenger((text) => process.stdout.write(`${text}\n`)),
    now,
  });
  services.incidentNodeForChannel = async (channel) => (channel ? (store.incidents.openForChannel(channel)?.node ?? undefined) : undefined);
  const stoppers: (() => Promise<void> | void)[] = [];
  return {
    services,
    metrics,
    async start() {},
    async close() {
      for (const stop of stoppers.reverse()) await stop();
      db.close();
    },
  };
}
