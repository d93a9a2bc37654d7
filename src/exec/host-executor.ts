/**
 * Running fixed, read-only command templates on a StemeDB host: over SSH (production) or on this machine
 * (`local: true` nodes: the bot on the DB host itself, and the local demo). Both take the same scripts.
 */

/** One command to run. `script` is a fixed template whose config values were already shell-quoted. */
export interface HostCommand {
  /** Stable name for logs and results, e.g. `df`, `dmesg`. */
  id: string;
  script: string;
  /** Hard limit: the remote process is killed (SIGKILL) when it passes, not just abandoned. */
  timeoutMs: number;
  /** stdout and stderr are each cut at this many bytes; `truncated` says so. */
  maxOutputBytes: number;
}

export interface HostCommandResult {
  id: string;
  /** Exit code; null when the process was killed or the channel closed without one. */
  code: number | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
  timedOut: boolean;
  durationMs: number;
}

/** An open connection to one host; commands may run concurrently on it. */
export interface HostSession {
  run(command: HostCommand): Promise<HostCommandResult>;
  close(): Promise<void>;
}

export interface HostExecutor {
  /** Opens a session; rejects with a HostExecError whose message a responder can act on. */
  connect(): Promise<HostSession>;
}

export type HostExecErrorCode = 'HOST_KEY_UNKNOWN' | 'HOST_KEY_CHANGED' | 'CONNECT_FAILED' | 'AUTH_FAILED' | 'NOT_CONFIGURED';

/** A connection failure, with a user-facing sentence (what went wrong, what to do) as its message. */
export class HostExecError extends Error {
  constructor(
    readonly code: HostExecErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HostExecError';
  }
}
