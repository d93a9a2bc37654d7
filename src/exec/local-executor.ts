/**
 * The HostExecutor for `local: true` nodes (the bot on the StemeDB host itself, and the local demo): the same
 * script templates under `/bin/sh -c`, each in its own process group so a timeout kills all it started.
 */
import { spawn } from 'node:child_process';
import type { HostCommand, HostCommandResult, HostExecutor, HostSession } from './host-executor';
import { createOutputCollector } from './output-collector';

/** After the kill, how long to wait for the pipes to close (a process that left the group may hold them). */
const ABANDON_MS = 1_000;

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** Runs one script; resolves when its pipes close, or a little after it was killed for time or output. */
export function runLocalCommand(command: HostCommand): Promise<HostCommandResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const output = createOutputCollector(command.maxOutputBytes);
    const child = spawn('/bin/sh', ['-c', command.script], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let timedOut = false;
    let killed = false;
    let abandon: NodeJS.Timeout | undefined;

    const finish = (code: number | null): void => {
      clearTimeout(deadline);
      clearTimeout(abandon);
      resolve({
        id: command.id,
        code: killed ? null : code,
        ...output.result(),
        timedOut,
        durationMs: Math.round(performance.now() - started),
      });
    };
    const kill = (): void => {
      if (killed) return;
      killed = true;
      killGroup(child.pid);
      abandon = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish(null);
      }, ABANDON_MS);
    };
    const deadline = setTimeout(() => {
      timedOut = true;
      kill();
    }, command.timeoutMs);

    // Past the cap the output is lost anyway, so stop the work, as the SSH executor does by closing the channel.
    child.stdout.on('data', (chunk: Buffer) => output.push('stdout', chunk) || kill());
    child.stderr.on('data', (chunk: Buffer) => output.push('stderr', chunk) || kill());
    child.on('error', (err) => {
      clearTimeout(deadline);
      clearTimeout(abandon);
      reject(new Error(`could not start /bin/sh for ${command.id}: ${err.message}`, { cause: err }));
    });
    child.on('close', (code) => finish(code));
  });
}

/**
 * @example const session = await createLocalExecutor().connect(); await session.run({ id: 'df', script, timeoutMs, maxOutputBytes });
 */
export function createLocalExecutor(): HostExecutor {
  return {
    async connect(): Promise<HostSession> {
      return {
        run: runLocalCommand,
        async close() {},
      };
    },
  };
}
