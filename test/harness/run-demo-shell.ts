import { spawn } from 'node:child_process';

/** The local shell on the built-in simulator, as `npm start` runs it without Slack credentials; `input` is typed in. */
export function runDemoShell(input: string): Promise<{ code: number | null; stdout: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'error' };
  for (const key of ['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET']) delete env[key];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/stemedb-chatops.mjs', 'start'], { env, stdio: ['pipe', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('close', (code) => resolve({ code, stdout }));
    child.stdin.end(input);
  });
}
