import type { Command } from '../../commands/command';
import type { Config, NodeConfig } from '../config/schema';
import type { DiagnosisResult } from '../diagnosis/types';
import type { IncidentStore } from '../incidents/incident-store';
import type { Messenger } from '../slack/messenger';
import type { AuditLog } from '../store/audit-log';
import type { Db } from '../store/database';
import type { BotMetrics } from '../ops/bot-metrics';
import type { Logger } from '../ops/logger';
import { resolveMetricNames, type MetricNames } from '../stemedb/metric-names';
import { Inventory } from '../stemedb/inventory';
import { StemedbClient } from '../stemedb/stemedb-client';

/** Reads a secret by environment variable name; only the entry point knows `process.env`. */
export type SecretSource = (envName: string) => string | undefined;

/** The dependencies command handlers and flows use; built once per process (or per test). */
export interface Services {
  config: Config;
  inventory: Inventory;
  metricNames: MetricNames;
  log: Logger;
  metrics: BotMetrics;
  now: () => Date;
  secret: SecretSource;
  /** The registered subcommands (for `help` and usage messages). */
  commands: readonly Command<any>[];
  store: { db: Db; incidents: IncidentStore; audit: AuditLog };
  /** Bot-initiated messages: Slack's queue when connected, the console in the local shell. Set once at start-up. */
  messenger: Messenger;
  stemedb(node: NodeConfig): StemedbClient;
  /** The node of the channel's open incident, when there is one (set once incidents exist). */
  incidentNodeForChannel?: (channelId: string | undefined) => Promise<string | undefined>;
  /** Runs after every diagnosis: records it for the incident, escalates on the runbook's criteria. */
  afterDiagnosis?: (result: DiagnosisResult, origin: { channelId?: string; userId?: string }) => Promise<void>;
}

export interface ServiceDeps {
  config: Config;
  log: Logger;
  metrics: BotMetrics;
  secret: SecretSource;
  commands: readonly Command<any>[];
  store: Services['store'];
  messenger: Messenger;
  now?: () => Date;
}

export function createServices({ config, log, metrics, secret, commands, store, messenger, now = () => new Date() }: ServiceDeps): Services {
  const inventory = new Inventory(config.stemedb.nodes);
  const clients = new Map<string, StemedbClient>();
  return {
    config,
    inventory,
    metricNames: resolveMetricNames(config.stemedb.metricNames),
    log,
    metrics,
    now,
    secret,
    commands,
    store,
    messenger,
    stemedb(node) {
      let client = clients.get(node.name);
      if (!client) {
        client = new StemedbClient({
          nodeName: node.name,
          apiUrl: node.apiUrl,
          adminToken: node.adminTokenEnv ? secret(node.adminTokenEnv) : undefined,
          timeoutMs: config.stemedb.requestTimeout,
        });
        clients.set(node.name, client);
      }
      return client;
    },
  };
}
