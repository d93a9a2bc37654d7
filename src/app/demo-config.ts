import { clusterNodesConfig, type SimCluster } from '../../sim';
import type { Config } from '../config/schema';
import { parseConfig } from '../config/load-config';

/**
 * The config document for the simulator's nodes: host checks run locally (`local: true`) against each node's
 * real data dir, with the simulator's stand-ins for dmesg and smartctl, which a test machine cannot provide.
 */
export function simulatorConfigDocument(cluster: SimCluster, options: { sqlitePath: string; sampleSeconds?: number }): Record<string, unknown> {
  return {
    stemedb: { nodes: clusterNodesConfig(cluster) },
    diagnosis: { sampleSeconds: options.sampleSeconds ?? 2, deadlineSeconds: 20 },
    store: { sqlitePath: options.sqlitePath },
  };
}

/** The local demo also pages a chain of stand-in people, so `escalate` and `ack` show what Slack would carry. */
const DEMO_ESCALATION = {
  levels: [
    { name: 'Primary on-call: Storage SRE', ackTimeout: '5m', slack: { users: ['U0DEMOSRE'] } },
    { name: 'Secondary: Database engineer', ackTimeout: '10m', slack: { users: ['U0DEMODBE'] } },
    { name: 'Final: Principal engineer + on-call manager', ackTimeout: '15m', slack: { users: ['U0DEMOPE', 'U0DEMOMGR'] } },
  ],
};

export function simulatorConfig(cluster: SimCluster, options: { sqlitePath: string; sampleSeconds?: number }): Config {
  return parseConfig(
    { ...simulatorConfigDocument(cluster, options), slack: { alertChannel: 'C0DEMO' }, escalation: DEMO_ESCALATION },
    'built-in simulator config',
  );
}
