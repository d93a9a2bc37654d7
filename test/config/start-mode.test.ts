import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** `stemedb-chatops start` as a service unit runs it, with part of the Slack set-up missing. */
function start(extra: Record<string, string>) {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra, STEMEDB_CHATOPS_CONFIG: 'stemedb-chatops.example.yml' };
  for (const key of ['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET']) if (!(key in extra)) delete env[key];
  return spawnSync(process.execPath, ['bin/stemedb-chatops.mjs', 'start'], { env, input: 'exit\n', encoding: 'utf8', timeout: 30_000 });
}

describe('start-up with an incomplete Slack set-up', () => {
  it('exits 2 naming the missing secret when only SLACK_BOT_TOKEN is set', () => {
    const run = start({ SLACK_BOT_TOKEN: 'xoxb-only-this' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket Mode, xapp-...) nor SLACK_SIGNING_SECRET (HTTP mode) is');
    expect(run.stdout).not.toContain('local mode');
    expect(run.stderr).not.toContain('xoxb-only-this');
  });

  it('exits 2 naming SLACK_BOT_TOKEN when only the signing secret is set', () => {
    const run = start({ SLACK_SIGNING_SECRET: 'a-secret' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('SLACK_SIGNING_SECRET is set but SLACK_BOT_TOKEN (xoxb-...) is missing');
  });
});
