/**
 * The bot under the `storm` benchmark, in its own process: the real webhook, store, worker and Slack queue;
 * only the diagnosis is a stand-in (a fixed `disk_full` verdict after 300 ms), since the benchmark measures
 * intake and Slack traffic, not StemeDB. Prints `PORT <n>`; stops cleanly on SIGTERM.
 */
import { createAlertsFeature } from '../src/alerts/alerts-feature';
import { createRuntime, slackTransportOf } from '../src/app/runtime';
import { parseConfig } from '../src/config/load-config';
import type { DiagnosisResult } from '../src/diagnosis/types';
import { createLogger } from '../src/ops/logger';
import { INTERACTION_MODULES } from '../src/app/interaction-modules';
import { createSlackApp } from '../src/slack/create-slack-app';
import { createLeaseOwner } from '../src/store/lease';

const { config, slackApiUrl, token, paceMs } = JSON.parse(process.argv[2] ?? '{}') as {
  config: Record<string, unknown>;
  slackApiUrl: string;
  token: string;
  paceMs: number;
};
const runtime = await createRuntime({
  config: parseConfig(config, 'storm bench config'),
  log: createLogger(process.env.LOG_LEVEL ?? 'silent', process.stderr),
  secret: () => undefined,
  slack: { botToken: 'xoxb-bench-token', slackApiUrl, channelIntervalMs: paceMs },
});
const services = runtime.services;

const alerts = createAlertsFeature(services, {
  lease: { owner: createLeaseOwner(), ttlMs: services.config.store.leaseTtl },
  diagnose: async (node): Promise<DiagnosisResult> => {
    const startedAt = services.now().toISOString();
    await new Promise((r) => setTimeout(r, 300));
    return {
      node: node.name,
      startedAt,
      durationMs: 300,
      errorRate: 0.0214,
      verdict: {
        causes: [{ cause: 'disk_full', evidence: ['data dir 1.2% free'] }],
        severity: 'critical',
        summary: 'Likely cause: disk space exhausted',
        escalate: false,
        escalateReasons: [],
      },
      checks: [],
      recommendations: [{ title: 'Disk space exhausted: free space, then compact', steps: ['gzip old WAL segments'], action: 'compact' }],
    };
  },
});
const slack = createSlackApp({
  transport: slackTransportOf(runtime),
  interactions: INTERACTION_MODULES,
  services,
  signingSecret: 'bench-signing-secret',
  routes: [alerts.route(token)],
  port: 0,
  host: '127.0.0.1',
});
const port = await slack.start();
await alerts.start();
process.stdout.write(`PORT ${port}\n`);
process.once('SIGTERM', () => {
  void (async () => {
    await slack.stop();
    await alerts.stop();
    await runtime.close();
    process.exit(0);
  })();
});
