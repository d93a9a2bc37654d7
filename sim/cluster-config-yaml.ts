import { stringify } from 'yaml';
import type { SimCluster } from './cluster';

/** The bot's `stemedb.nodes` entries for a running simulated cluster: every node `local: true`, with its data
 * dir, log file and stand-in host tools. */
export function clusterNodesConfig(cluster: SimCluster) {
  return cluster.nodes.map((n) => ({
    name: n.name,
    apiUrl: n.apiUrl,
    dataDir: n.dataDir,
    logs: { file: n.logFile },
    local: true,
    hostTools: n.hostTools,
  }));
}

/** The `stemedb:` block of the bot's config for a running simulated cluster; paste it into stemedb-chatops.yml. */
export function clusterConfigYaml(cluster: SimCluster): string {
  return stringify({ stemedb: { nodes: clusterNodesConfig(cluster) } });
}
