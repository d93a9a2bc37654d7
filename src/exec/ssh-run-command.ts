/**
 * Runs one command on an open node-ssh connection: wrapped in `timeout -s KILL` so the remote side kills it,
 * with a client timer a little longer as a backstop, and output capped while it streams in.
 */
import type { NodeSSH } from 'node-ssh';
import type { HostCommand, HostCommandResult } from './host-executor';
import { createOutputCollector } from './output-collector';
import { wrapWithTimeout } from './shell-quote';

/** The part of ssh2's ClientChannel we use (ssh2 ships no types of its own). */
interface ClosableChannel {
  close(): void;
}

export interface RunTimings {
  /** How long after `timeoutMs` the client gives up on the remote `timeout` and closes the channel. */
  backstopMs: number;
  /** How long after closing the channel the client stops waiting for it to report closed. */
  abandonMs: number;
}

/** Exit statuses of a script that `timeout -s KILL` ended: the signal itself, 128+9, or timeout's own 124. */
function looksKilledByTimeout(code: number | null, signal: string | null): boolean {
  return signal === 'KILL' || signal === 'SIGKILL' || code === 137 || code === 124;
}

/**
 * @example await runSshCommand(ssh, { id: 'df', script: "df -P '/var/lib/stemedb'", timeoutMs: 5000, maxOutputBytes: 65536 }, timings)
 */
export async function runSshCommand(ssh: NodeSSH, command: HostCommand, timings: RunTimings): Promise<HostCommandResult> {
  const started = performance.now();
  const output = createOutputCollector(command.maxOutputBytes);
  let channel: ClosableChannel | undefined;
  let stopped = false;
  let backstopFired = false;
  // Closing the channel stops the data (node-ssh buffers everything it receives) and, with sshd closing the
  // pipes, makes the next write of the remote process fail; `timeout` still bounds a process that never writes.
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    channel?.close();
  };
  const onChunk = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    if (!output.push(stream, chunk)) stop();
  };

  const exec = ssh.execCommand(wrapWithTimeout(command.script, command.timeoutMs), {
    noTrim: true,
    onChannel: (opened: ClosableChannel) => {
      channel = opened;
      if (stopped) opened.close();
    },
    onStdout: onChunk('stdout'),
    onStderr: onChunk('stderr'),
  });
  exec.catch(() => undefined); // may lose the race below; its rejection is read there when it matters

  let backstop: NodeJS.Timeout | undefined;
  let abandon: NodeJS.Timeout | undefined;
  const abandoned = new Promise<'abandoned'>((resolve) => {
    backstop = setTimeout(() => {
      backstopFired = true;
      stop();
      abandon = setTimeout(() => resolve('abandoned'), timings.abandonMs);
    }, command.timeoutMs + timings.backstopMs);
  });

  try {
    const outcome = await Promise.race([exec, abandoned]);
    const durationMs = Math.round(performance.now() - started);
    const { code, signal } = outcome === 'abandoned' ? { code: null, signal: null } : outcome;
    const killedAtDeadline = looksKilledByTimeout(code, signal) && durationMs >= command.timeoutMs * 0.95;
    const killed = Boolean(signal) || backstopFired || killedAtDeadline || outcome === 'abandoned';
    return {
      id: command.id,
      code: killed ? null : code,
      ...output.result(),
      timedOut: backstopFired || killedAtDeadline,
      durationMs,
    };
  } finally {
    clearTimeout(backstop);
    clearTimeout(abandon);
  }
}
