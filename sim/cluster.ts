import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createNodeServer, type NodeServer } from './node-server';
import type { Scenario } from './scenarios';
import { SimNode, type SimNodeOptions } from './sim-node';

export interface SimNodeHandle {
  name: string;
  apiUrl: string;
  dataDir: string;
  logFile: string;
  hostTools: { dmesg: string; df: string; smartctl: string; smartDevice: string; uptimeFile: string };
  /** Replaces the node's scenarios (`[]` or `['healthy']` heals it). */
  setScenarios(s: Scenario[]): void;
  scenarios(): Scenario[];
  /** Delays every API answer (not the `/_sim` controls) by `ms`; 0 stops hanging. */
  setHang(ms: number): void;
  /** How many `POST /v1/admin/storage/compact` the node received (whatever it answered). */
  compactRequests(): number;
}

export interface SimCluster {
  nodes: SimNodeHandle[];
  /** The handle by node name; throws for an unknown name. */
  node(name: string): SimNodeHandle;
  /** Closes servers and timers; the files stay (the caller owns `baseDir`). */
  stop(): Promise<void>;
}

/** For the bot's local shell: one node out of space, one healthy, one lock-contended. */
export const DEMO_NODES: SimNodeOptions[] = [
  { name: 'stemedb-1', scenarios: ['disk_full'] },
  { name: 'stemedb-2', scenarios: ['healthy'] },
  { name: 'stemedb-3', scenarios: ['lock_contention'] },
];

/** One node per scenario on fixed ports, for `npm run sim` and Prometheus configs that name them. */
export const ALL_SCENARIO_NODES: SimNodeOptions[] = [
  { name: 'sim-healthy', scenarios: ['healthy'], port: 18181 },
  { name: 'sim-disk-full', scenarios: ['disk_full'], port: 18182 },
  { name: 'sim-disk-hardware', scenarios: ['disk_hardware'], port: 18183 },
  { name: 'sim-lsm-corruption', scenarios: ['lsm_corruption'], port: 18184 },
  { name: 'sim-lock-contention', scenarios: ['lock_contention'], port: 18185, deadlocks: true },
  { name: 'sim-compaction-lag', scenarios: ['compaction_lag'], port: 18186 },
];

async function listen(ns: NodeServer, port: number, host: string): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    ns.server.once('error', reject);
    ns.server.listen(port, host, () => {
      ns.server.off('error', reject);
      resolve();
    });
  });
  return ns.server.address() as AddressInfo;
}

function handleFor(node: SimNode, apiUrl: string): SimNodeHandle {
  return {
    name: node.name,
    apiUrl,
    dataDir: node.paths.dataDir,
    logFile: node.paths.logFile,
    hostTools: { dmesg: node.paths.dmesg, df: node.paths.df, smartctl: node.paths.smartctl, smartDevice: '/dev/sda', uptimeFile: node.paths.uptimeFile },
    setScenarios: (s) => node.setScenarios(s),
    scenarios: () => node.scenarios(),
    setHang: (ms) => {
      node.hangMs = Math.max(0, ms);
    },
    compactRequests: () => node.compactRequests,
  };
}

/**
 * Starts one HTTP server per node (port 0 = a free port) on `host` (default 127.0.0.1), each with its host
 * directory under `<baseDir>/<name>/`.
 * @example const cluster = await startCluster({ baseDir: tmp, nodes: [{ name: 'n1', scenarios: ['disk_full'] }] });
 */
export async function startCluster(opts: { baseDir: string; nodes: SimNodeOptions[]; host?: string }): Promise<SimCluster> {
  const host = opts.host ?? '127.0.0.1';
  const names = new Set(opts.nodes.map((n) => n.name));
  if (names.size !== opts.nodes.length) throw new Error('simulated node names must be unique');
  mkdirSync(opts.baseDir, { recursive: true });
  const started: Array<{ node: SimNode; server: NodeServer; handle: SimNodeHandle }> = [];
  const stop = async () => {
    for (const s of started) s.node.stop();
    await Promise.all(started.map((s) => s.server.close()));
  };
  try {
    for (const options of opts.nodes) {
      const node = new SimNode(options, opts.baseDir);
      const server = createNodeServer(node);
      started.push({ node, server, handle: handleFor(node, '') });
      const { port } = await listen(server, options.port ?? 0, host);
      const urlHost = host.includes(':') ? `[${host}]` : host;
      started.at(-1)!.handle.apiUrl = `http://${urlHost}:${port}`;
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const nodes = started.map((s) => s.handle);
  return {
    nodes,
    node: (name) => {
      const found = nodes.find((n) => n.name === name);
      if (!found) throw new Error(`no simulated node named "${name}" (have: ${nodes.map((n) => n.name).join(', ')})`);
      return found;
    },
    stop,
  };
}
