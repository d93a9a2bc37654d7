import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** Runs `npm start`'s command with piped input and no Slack credentials, as on a fresh clone. */
function runStart(input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env };
  for (const key of ['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET']) delete env[key];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/stemedb-chatops.mjs', 'start'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('npm start without Slack credentials', () => {
  it('runs the local shell on the simulator, says why, and answers help, stats and diagnose', async () => {
    const { code, stdout } = await runStart('help\nstats stemedb-1\nstatz stemedb-1\ndiagnose stemedb-1\nexit\n');
    expect(code).toBe(0);
    expect(stdout).toContain('local mode, because SLACK_BOT_TOKEN is not set');
    expect(stdout).toContain('\nstats <node> - ');
    expect(stdout).toMatch(/Compaction report for stemedb-1\n• SST files: \d+/);
    expect(stdout).toContain('statz is not a command. Did you mean stats <node>?');
    expect(stdout).toContain('stemedb-1: disk space exhausted (critical)');
    expect(stdout).not.toMatch(/\*(Compaction report|SST files)/);
  }, 60_000);
});
