import { stringify } from 'yaml';
import type { SimCluster } from './cluster';

/**
 * The `stemedb:` block of the bot's config for a running simulated cluster: every node `local: true`, with
 * its data dir, log file and stand-in host tools. Paste it into stemedb-chatops.yml.
 */
export function clusterConfigYaml(cluster: SimCluster): string {
  const nodes = cluster.nodes.map((n) => ({
    name: n.name,
    apiUrl: n.apiUrl,
    dataDir: n.dataDir,
    logs: { file: n.logFile },
    local: true,
    hostTools: n.hostTools,
  }));
  return stringify({ stemedb: { nodes } });
}
