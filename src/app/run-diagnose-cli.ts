import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster } from '../../sim';
import type { Config } from '../config/schema';
import type { Env } from '../config/env';
import { loadConfig } from '../config/load-config';
import { diagnoseNode } from '../diagnosis/diagnose-node';
import { createLogger } from '../ops/logger';
import { diagnosisText } from '../render/diagnosis-text';
import { SHELL_DEMO_NODES } from './demo-nodes';
import { simulatorConfig } from './demo-config';
import { createRuntime } from './runtime';

export const DIAGNOSE_USAGE = 'Usage: stemedb-chatops diagnose <node> [--json] [--config FILE | --sim]';

/**
 * `stemedb-chatops diagnose <node> [--json] [--sim]`: exit 0 when it ran (whatever the verdict), 2 on bad usage.
 * `--sim` starts the built-in simulator (the local shell's six nodes) instead of reading a config.
 */
export async function runDiagnoseCli(options: { env: Env; configFile: string; node?: string; json: boolean; sim?: boolean; extra: string[] }): Promise<number> {
  if (!options.node || options.extra.length > 0) {
    process.stderr.write(`${DIAGNOSE_USAGE}\n`);
    return 2;
  }
  if (!options.sim) return diagnoseWith(loadConfig(options.configFile), options);
  const baseDir = mkdtempSync(join(tmpdir(), 'stemedb-chatops-diagnose-'));
  const cluster = await startCluster({ baseDir, nodes: SHELL_DEMO_NODES });
  try {
    return await diagnoseWith(simulatorConfig(cluster, { sqlitePath: ':memory:' }), options);
  } finally {
    await cluster.stop();
    rmSync(baseDir, { recursive: true, force: true });
  }
}

async function diagnoseWith(config: Config, options: { env: Env; node?: string; json: boolean }): Promise<number> {
  const wanted = options.node!.toLowerCase();
  const node = config.stemedb.nodes.find((n) => n.name === wanted);
  if (!node) {
    process.stderr.write(`unknown node "${options.node}"; configured: ${config.stemedb.nodes.map((n) => n.name).join(', ')}\n`);
    return 2;
  }
  const log = createLogger(options.env.LOG_LEVEL === 'info' ? 'warn' : options.env.LOG_LEVEL, process.stderr);
  // A diagnosis reads nodes and records nothing: an in-memory store keeps the CLI free of side effects.
  const runtime = await createRuntime({
    config: { ...config, store: { sqlitePath: ':memory:', leaseTtl: config.store.leaseTtl } },
    log,
    secret: (name) => process.env[name],
    role: 'client',
  });
  try {
    const result = await diagnoseNode(runtime.services, node);
    process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : `${diagnosisText(result)}\n`);
    return 0;
  } finally {
    await runtime.close();
  }
}
