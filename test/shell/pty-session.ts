import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

/**
 * The local shell in a real pseudo-terminal (util-linux `script`), `columns` wide: what a user at a terminal
 * sees, escape sequences included. `send` types a line; `waitFor` polls the output.
 */
export interface PtySession {
  output(): string;
  /** The output since a mark, with terminal escapes and carriage returns removed. */
  textSince(mark: number): string;
  send(line: string): number;
  waitFor(pattern: RegExp, from?: number, timeoutMs?: number): Promise<void>;
  close(): Promise<number | null>;
}

export const stripTerminal = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');

export function startPtyShell(args: string[], columns: number, env: NodeJS.ProcessEnv = {}): PtySession {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'error', ...env };
  for (const key of ['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET']) delete childEnv[key];
  const command = `stty cols ${columns} rows 200; exec ${JSON.stringify(process.execPath)} bin/stemedb-chatops.mjs ${args.join(' ')}`;
  const child: ChildProcessWithoutNullStreams = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { env: childEnv, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    output: () => out,
    textSince: (mark) => stripTerminal(out.slice(mark)),
    send(line) {
      const mark = out.length;
      child.stdin.write(`${line}\r`);
      return mark;
    },
    waitFor(pattern, from = 0, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const started = Date.now();
        const timer = setInterval(() => {
          if (pattern.test(stripTerminal(out.slice(from)))) return void (clearInterval(timer), resolve());
          if (Date.now() - started > timeoutMs) clearInterval(timer), reject(new Error(`no ${pattern} in:\n${stripTerminal(out.slice(from))}`));
        }, 50);
      });
    },
    async close() {
      child.stdin.write('exit\r');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
