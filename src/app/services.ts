import type { CommandOf } from '../surfaces/command-types';
import { createAccessControl, type AccessControl } from '../access/access-control';
import { createUserGroupCache } from '../access/user-group-cache';
import type { ChartPort } from '../charts/chart-port';
import type { CompactionService } from '../compaction/compaction-port';
import type { Config, NodeConfig } from '../config/schema';
import { createDiagnosisEvents, type DiagnosisEvents } from '../diagnosis/diagnosis-events';
import type { EscalationPort } from '../escalation/escalation-port';
import { DEFAULT_PAGERDUTY_EVENTS_URL } from '../config/env';
import type { ChatPort } from '../surfaces/chat-port';
import type { UnitOfWork } from './repositories';
import type { BotMetrics } from '../ops/bot-metrics';
import type { Logger } from '../ops/logger';
import { resolveMetricNames, type MetricNames } from '../stemedb/metric-names';
import { Inventory } from '../stemedb/inventory';
import { StemedbClient } from '../stemedb/stemedb-client';

import type { SecretSource } from '../config/secret-source';

export type { SecretSource } from '../config/secret-source';

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
  commands: readonly CommandOf<Services, any>[];
  /** `pendingActions`: what the bot offered behind its buttons (opaque ids; see access/pending-actions.ts). */
  /** Every repository and `withTx` (app/repositories.ts): SQLite embedded, PostgreSQL for replicas. */
  store: UnitOfWork;
  /** The chat port (surfaces/chat-port.ts): Slack's paced queue when connected, the console otherwise. Set once at start-up. */
  messenger: ChatPort;
  stemedb(node: NodeConfig): StemedbClient;
  /** RBAC: `access.operators`, user groups resolved through the messenger and cached for a minute. */
  access: AccessControl;
  /** Guarded compaction (SPEC 4.3); built by the runtime, which starts and stops its watchers. */
  compaction: CompactionService;
  /** The node of the channel's open incident, when there is one (set once incidents exist). */
  incidentNodeForChannel: (channelId: string | undefined) => Promise<string | undefined>;
  /**
   * Escalation paging (SPEC 4.4), set by the runtime. Alert-thread code calls `resolveIncident(id, by)` on
   * `resolved`: it stops the chain and sends PagerDuty `resolve`.
   */
  escalations: EscalationPort;
  /** PagerDuty Events API v2 URL (`PAGERDUTY_EVENTS_URL`; tests point it at a capture server). */
  pagerdutyEventsUrl: string;
  /** Charts in threads after the text (set by the runtime; absent: no charts). */
  charts: ChartPort;
  /** Every finished diagnosis: escalation records it and escalates on the runbook's criteria; the App Home shows it. */
  diagnoses: DiagnosisEvents;
}

/** The features the runtime builds on top of the base services (they take the services themselves). */
export type FeatureMembers = 'compaction' | 'escalations' | 'charts';
export type BaseServices = Omit<Services, FeatureMembers>;

export interface ServiceDeps {
  config: Config;
  log: Logger;
  metrics: BotMetrics;
  secret: SecretSource;
  commands: readonly CommandOf<Services, any>[];
  store: Services['store'];
  messenger: ChatPort;
  now?: () => Date;
  pagerdutyEventsUrl?: string;
}

export function createServices({
  config,
  log,
  metrics,
  secret,
  commands,
  store,
  messenger,
  now = () => new Date(),
  pagerdutyEventsUrl = DEFAULT_PAGERDUTY_EVENTS_URL,
}: ServiceDeps): BaseServices {
  const inventory = new Inventory(config.stemedb.nodes);
  const clients = new Map<string, StemedbClient>();
  const groups = createUserGroupCache((group) => messenger.userGroupMembers(group));
  const services: BaseServices = {
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
    pagerdutyEventsUrl,
    diagnoses: createDiagnosisEvents(),
    incidentNodeForChannel: async (channel) => (channel ? ((await store.incidents.openForChannel(channel))?.node ?? undefined) : undefined),
    access: createAccessControl({ operators: config.access.operators, groups, log }),
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
  return services;
}
