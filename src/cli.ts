import { parseArgs } from 'node:util';
import { parseEnv, slackModeOf } from './config/env';
import { ConfigError, loadConfig } from './config/load-config';
import { createLogger } from './ops/logger';

const USAGE = `Usage: stemedb-chatops <command>
  start                  the bot: Slack when credentials are set; with none at all, the local shell on the simulator
  shell [--config F]     the local shell against the configured nodes (--sim: the built-in simulator;
                         --charts DIR: write each chart as a PNG there and print its path)
  check-config [--config F]
                         validate the YAML config and exit (0 valid, 2 invalid)
  diagnose <node> [--json] [--config F | --sim]
                         run the runbook's investigation steps 1-5 on one node and print the result (--json: as JSON);
                         --sim: on the built-in simulator (stemedb-1 .. stemedb-6, one per scenario)
  timeline <incident> [--json] [--config F]
                         an incident's timeline from the bot's store (read-only)`;

/** Exit codes: 0 ran, 1 failed at run time, 2 bad usage or configuration. */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const env = parseEnv(process.env);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { config: { type: 'string' }, charts: { type: 'string' }, json: { type: 'boolean' }, sim: { type: 'boolean' }, help: { type: 'boolean' } },
  });
  const configFile = values.config ?? env.STEMEDB_CHATOPS_CONFIG;
  const log = createLogger(env.LOG_LEVEL);

  switch (command) {
    case 'start': {
      const mode = slackModeOf(env);
      if (mode.mode === 'incomplete') {
        process.stderr.write(`stemedb-chatops: cannot start: ${mode.problem}.\n`);
        return 2;
      }
      if (mode.mode === 'local') {
        const { runDemoShell } = await import('./app/run-demo-shell');
        return runDemoShell({ env, reason: mode.reason });
      }
      const { createRuntime } = await import('./app/runtime');
      const { runSlackBot } = await import('./app/run-slack-bot');
      const runtime = await createRuntime({
        config: loadConfig(configFile),
        log,
        secret: (name) => process.env[name],
        slack: { botToken: env.SLACK_BOT_TOKEN!, slackApiUrl: env.SLACK_API_URL },
      });
      await runSlackBot(runtime, env);
      return 0;
    }
    case 'shell': {
      if (values.sim) {
        const { runDemoShell } = await import('./app/run-demo-shell');
        return runDemoShell({ env, reason: '--sim was given', chartsDir: values.charts });
      }
      const { runConfiguredShell } = await import('./app/run-demo-shell');
      return runConfiguredShell({ env, config: loadConfig(configFile), configFile, chartsDir: values.charts });
    }
    case 'check-config': {
      const config = loadConfig(configFile);
      if (config.store.postgres) {
        // The URL's variable must be set and hold a PostgreSQL URL (not connected to: the database may start later).
        const { postgresUrl } = await import('./store/postgres/pg-pool');
        postgresUrl(config.store.postgres, process.env);
      }
      process.stdout.write(`${configFile}: valid (${config.stemedb.nodes.length} node(s): ${config.stemedb.nodes.map((n) => n.name).join(', ')})\n`);
      return 0;
    }
    case 'diagnose': {
      const { runDiagnoseCli } = await import('./app/run-diagnose-cli');
      return runDiagnoseCli({ env, configFile, node: positionals[0], json: values.json === true, sim: values.sim === true, extra: positionals.slice(1) });
    }
    case 'timeline': {
      const { runTimelineCli } = await import('./app/run-timeline-cli');
      return runTimelineCli({ env, configFile, incident: positionals[0], json: values.json === true, extra: positionals.slice(1) });
    }
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`unknown command "${command}"\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n${err.problems.length} problem(s) in ${err.file}.\n`);
      process.exit(2);
    }
    if ((err as Error).name === 'PostgresConfigError') {
      process.stderr.write(`stemedb-chatops: ${(err as Error).message}\n`);
      process.exit(2);
    }
    if ((err as Error).name === 'ProcessLockError') {
      process.stderr.write(`stemedb-chatops: ${(err as Error).message}\n`);
      process.exit(1);
    }
    const code = (err as { code?: string }).code;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
      process.exit(2);
    }
    process.stderr.write(`stemedb-chatops: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
