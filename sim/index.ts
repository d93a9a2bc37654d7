/** The StemeDB simulator: fault scenarios over real HTTP and real host files, for tests and the local shell. */
export { ALL_SCENARIO_NODES, DEMO_NODES, startCluster, type SimCluster, type SimNodeHandle } from './cluster';
export { clusterConfigYaml, clusterNodesConfig } from './cluster-config-yaml';
export { SCENARIOS, combineProfiles, type Scenario, type ScenarioProfile } from './scenarios';
export type { SimNodeOptions } from './sim-node';
