import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, type SimCluster, type SimNodeOptions } from '../../sim';
import { simulatorConfigDocument } from '../../src/app/demo-config';
import { createRuntime, type Runtime } from '../../src/app/runtime';
import { parseConfig } from '../../src/config/load-config';
import type { Config, NodeConfig } from '../../src/config/schema';
import { createLogger } from '../../src/ops/logger';

export interface SimRuntime {
  dir: string;
  cluster: SimCluster;
  runtime: Runtime;
  config: Config;
  /** The node's parsed config (throws for an unknown name). */
  node(name: string): NodeConfig;
  stop(): Promise<void>;
}

/** The generated config document, typed as far as tests edit it. */
export type ConfigDocument = { stemedb: { nodes: Record<string, unknown>[] }; diagnosis: Record<string, unknown> } & Record<string, unknown>;

export interface SimRuntimeOptions {
  /** Changes the generated config document before it is parsed (e.g. swap `local` for `ssh`). */
  edit?: (document: ConfigDocument) => void;
  sampleSeconds?: number;
}

/**
 * A real simulator cluster and a real runtime on the config generated for it (`local: true` executors,
 * the simulator's stand-ins for dmesg and smartctl), in a temp dir removed by `stop()`.
 */
export async function startSimRuntime(nodes: SimNodeOptions[], options: SimRuntimeOptions = {}): Promise<SimRuntime> {
  const dir = mkdtempSync(join(tmpdir(), 'stemedb-diag-test-'));
  const cluster = await startCluster({ baseDir: join(dir, 'sim'), nodes: nodes.map((n) => ({ opsPerSecond: 2000, ...n })) });
  try {
    const document = simulatorConfigDocument(cluster, { sqlitePath: join(dir, 'bot.sqlite'), sampleSeconds: options.sampleSeconds ?? 1 });
    options.edit?.(document as ConfigDocument);
    const config = parseConfig(document, 'test config');
    const runtime = await createRuntime({ config, log: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'), secret: () => undefined });
    return {
      dir,
      cluster,
      runtime,
      config,
      node(name) {
        const found = runtime.services.inventory.get(name);
        if (!found) throw new Error(`no configured node ${name}`);
        return found;
      },
      async stop() {
        await runtime.close();
        await cluster.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
