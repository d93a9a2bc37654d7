import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster } from '../../sim';
import type { Config } from '../config/schema';
import type { Env } from '../config/env';
import { createLogger } from '../ops/logger';
import { SHELL_DEMO_NODES } from './demo-nodes';
import { createLocalShell } from '../shell/local-shell';
import { simulatorConfig } from './demo-config';
import { createRuntime, type RuntimeOptions } from './runtime';

/** `npm start` without Slack credentials: the built-in simulator and the local shell. */
export async function runDemoShell({ env, reason, chartsDir }: { env: Env; reason: string; chartsDir?: string }): Promise<number> {
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
    // The simulator's own temporary store: the shell is the bot here, background work included. The demo has no
    // Prometheus: the bot samples every node (every 15 s) so `diagnose` can show a chart.
    return await runShell(config, env, banner, 'bot', { dir: chartsDir, sampleAllNodes: true, sampleIntervalMs: 15_000 });
  } finally {
    await cluster.stop();
    rmSync(baseDir, { recursive: true, force: true });
  }
}

/**
 * `stemedb-chatops shell`: the local shell against the configured nodes and the bot's store, as a client. It
 * never sends due pages, runs alert jobs, resets pages in flight or takes over compaction locks: a page that
 * fell due while the bot was down is the bot's to send when it is back, not the shell's to print.
 */
export async function runConfiguredShell({
  env,
  config,
  configFile,
  chartsDir,
}: {
  env: Env;
  config: Config;
  configFile: string;
  chartsDir?: string;
}): Promise<number> {
  const banner = [
    `stemedb-chatops: local shell on ${configFile} (${config.stemedb.nodes.map((n) => n.name).join(', ')}). \`help\` lists commands; \`exit\` quits.`,
    `Client of the store ${config.store.postgres ? `PostgreSQL ($${config.store.postgres.urlEnv})` : config.store.sqlitePath}: pages and alert threads are sent by the bot process (\`stemedb-chatops start\`), not by this shell.`,
  ].join('\n');
  return runShell(config, env, banner, 'client', { dir: chartsDir });
}

async function runShell(config: Config, env: Env, banner: string, role: 'bot' | 'client', charts: RuntimeOptions['charts']): Promise<number> {
  // Logs go to stderr at warn level so they do not interleave with the shell's output.
  const log = createLogger(env.LOG_LEVEL === 'info' ? 'warn' : env.LOG_LEVEL, process.stderr);
  const shell = createLocalShell({ input: process.stdin, output: process.stdout, chartsDir: charts?.dir });
  const runtime = await createRuntime({ config, log, secret: (name) => process.env[name], messenger: shell.messenger, role, charts });
  try {
    if (role === 'bot') await runtime.start();
    await shell.run(runtime.services, banner);
    return 0;
  } finally {
    await runtime.close();
  }
}
