import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_SCENARIO_NODES, DEMO_NODES, type SimCluster } from '../../sim/cluster';
import { clusterConfigYaml } from '../../sim/cluster-config-yaml';
import { SCENARIOS } from '../../sim/scenarios';
import { nodeSchema } from '../../src/config/schema';
import { tempCluster } from './sim-helpers';

let cluster: SimCluster;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ cluster, cleanup } = await tempCluster(DEMO_NODES));
});
afterAll(() => cleanup());

describe('clusterConfigYaml', () => {
  it("emits a stemedb.nodes block the bot's config schema accepts", () => {
    const doc = parse(clusterConfigYaml(cluster)) as { stemedb: { nodes: unknown[] } };
    expect(doc.stemedb.nodes).toHaveLength(3);
    const nodes = doc.stemedb.nodes.map((n) => nodeSchema.parse(n));
    expect(nodes[0]).toMatchObject({
      name: 'stemedb-1',
      apiUrl: cluster.node('stemedb-1').apiUrl,
      dataDir: cluster.node('stemedb-1').dataDir,
      logs: { file: cluster.node('stemedb-1').logFile },
      local: true,
      hostTools: cluster.node('stemedb-1').hostTools,
    });
  });

  it('names a demo cluster as the local shell expects and covers every scenario on fixed ports', () => {
    expect(DEMO_NODES.map((n) => [n.name, n.scenarios])).toEqual([
      ['stemedb-1', ['disk_full']],
      ['stemedb-2', ['healthy']],
      ['stemedb-3', ['lock_contention']],
    ]);
    expect(ALL_SCENARIO_NODES.flatMap((n) => n.scenarios).sort()).toEqual([...SCENARIOS].sort());
    expect(ALL_SCENARIO_NODES.map((n) => n.port)).toEqual([18181, 18182, 18183, 18184, 18185, 18186]);
    expect(() => cluster.node('nope')).toThrow(/no simulated node/);
  });
});
