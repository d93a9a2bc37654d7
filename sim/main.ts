/**
 * `npm run sim`: one simulated StemeDB node per scenario on ports 18181-18186, host files under
 * ./.sim-data (or SIM_DATA_DIR), until SIGINT/SIGTERM.
 */
import { resolve } from 'node:path';
import { ALL_SCENARIO_NODES, startCluster } from './cluster';
import { clusterConfigYaml } from './cluster-config-yaml';

const baseDir = resolve(process.env.SIM_DATA_DIR ?? '.sim-data');
const cluster = await startCluster({ baseDir, nodes: ALL_SCENARIO_NODES });

const out = process.stdout;
out.write(`StemeDB simulator: ${cluster.nodes.length} nodes, host files under ${baseDir}\n\n`);
for (const n of cluster.nodes) out.write(`  ${n.name.padEnd(20)} ${n.apiUrl}  [${n.scenarios().join(', ')}]\n`);
out.write(`\nControls: PUT <apiUrl>/_sim/scenarios {"scenarios":["healthy"]}, PUT <apiUrl>/_sim/hang {"ms":5000}, GET <apiUrl>/_sim/state\n`);
out.write(`\n# stemedb-chatops config block:\n${clusterConfigYaml(cluster)}\n`);

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  out.write(`\n${signal}: stopping the simulator\n`);
  cluster.stop().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
