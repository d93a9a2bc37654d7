import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster } from '../../sim';
import type { Config } from '../config/schema';
import type { Env } from '../config/env';
import { createLogger } from '../ops/logger';
import { SHELL_DEMO_NODES } from '../shell/demo-nodes';
import { runLocalShell } from '../shell/local-shell';
import { simulatorConfig } from './demo-config';
import { createRuntime } from './runtime';

/** `npm start` without Slack credentials: the built-in simulator and the local shell. */
export async function runDemoShell({ env, reason }: { env: Env; reason: string }): Promise<number> {
  const baseDir = mkdtempSync(join(tmpdir(), 'stemedb-chatops-demo-'));
  const cluster = await startCluster({ baseDir, nodes: SHELL_DEMO_NODES });
  try {
    const config = simulatorConfig(cluster, { sqlitePath: join(baseDir, 'chatops.sqlite') });
    const nodes = cluster.nodes.map((n) => `${n.name} (${n.scenarios().join('+') || 'healthy'})`).join(', ');
    const banner = [
      `stemedb-chatops: local mode, because ${reason}.`,
      `Running the built-in StemeDB simulator: ${nodes}.`,
      'Type a command as in Slack, e.g. `diagnose stemedb-1`, `stats stemedb-1`, `help`; `exit` to quit.',
    ].join('\n');
    return await runShell(config, env, banner);
  } finally {
    await cluster.stop();
    rmSync(baseDir, { recursive: true, force: true });
  }
}

/** `stemedb-chatops shell`: the local shell against the configured nodes. */
export async function runConfiguredShell({ env, config, configFile }: { env: Env; config: Config; configFile: string }): Promise<number> {
  const banner = `stemedb-chatops: local shell on ${configFile} (${config.stemedb.nodes.map((n) => n.name).join(', ')}). \`help\` lists commands; \`exit\` quits.`;
  return runShell(config, env, banner);
}

async function runShell(config: Config, env: Env, banner: string): Promise<number> {
  // Logs go to stderr at warn level so they do not interleave with the shell's output.
  const log = createLogger(env.LOG_LEVEL === 'info' ? 'warn' : env.LOG_LEVEL, process.stderr);
  const runtime = await createRuntime({ config, log, secret: (name) => process.env[name] });
  try {
    await runtime.start();
    await runLocalShell({ services: runtime.services, input: process.stdin, output: process.stdout, banner });
    return 0;
  } finally {
    await runtime.close();
  }
}
