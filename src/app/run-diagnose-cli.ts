import type { Env } from '../config/env';
import { loadConfig } from '../config/load-config';
import { diagnoseNode } from '../diagnosis/diagnose-node';
import { createLogger } from '../ops/logger';
import { diagnosisText } from '../render/diagnosis-text';
import { createRuntime } from './runtime';

/** `stemedb-chatops diagnose <node> [--json]`: exit 0 when it ran (whatever the verdict), 2 on bad usage. */
export async function runDiagnoseCli(options: { env: Env; configFile: string; node?: string; json: boolean; extra: string[] }): Promise<number> {
  if (!options.node || options.extra.length > 0) {
    process.stderr.write('Usage: stemedb-chatops diagnose <node> [--json] [--config FILE]\n');
    return 2;
  }
  const config = loadConfig(options.configFile);
  const node = config.stemedb.nodes.find((n) => n.name === options.node);
  if (!node) {
    process.stderr.write(`unknown node "${options.node}"; configured: ${config.stemedb.nodes.map((n) => n.name).join(', ')}\n`);
    return 2;
  }
  const log = createLogger(options.env.LOG_LEVEL === 'info' ? 'warn' : options.env.LOG_LEVEL, process.stderr);
  // A diagnosis reads nodes and records nothing: an in-memory store keeps the CLI free of side effects.
  const runtime = await createRuntime({ config: { ...config, store: { sqlitePath: ':memory:' } }, log, secret: (name) => process.env[name], role: 'client' });
  try {
    const result = await diagnoseNode(runtime.services, node);
    process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : `${diagnosisText(result)}\n`);
    return 0;
  } finally {
    await runtime.close();
  }
}
