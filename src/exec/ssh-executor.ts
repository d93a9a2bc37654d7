/**
 * The SSH HostExecutor (node-ssh): one pinned, key-authenticated connection per node per diagnosis, commands
 * on concurrent channels, at most `maxChannels` at once.
 */
import { readFile } from 'node:fs/promises';
import { NodeSSH } from 'node-ssh';
import { fingerprintFromHex, fingerprintMatches, parsePinnedFingerprint } from './host-key';
import { HostExecError, type HostCommand, type HostExecutor, type HostSession } from './host-executor';
import { createLimiter } from './limiter';
import { mapConnectError, type ConnectTarget, type HostKeyRefusal } from './ssh-connect-error';
import { runSshCommand, type RunTimings } from './ssh-run-command';

export interface SshConfig {
  host: string;
  port: number;
  username: string;
  privateKeyPath: string;
  /** `SHA256:<base64>` as `ssh-keygen -lf` prints it; empty means "not pinned yet" (connecting then only reports the key). */
  hostKeySha256: string;
  readyTimeout: number;
}

/** Structured logging, pino-compatible. */
export interface ExecLogger {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface SshExecutorOptions {
  log?: ExecLogger;
  /** Channels open at once per session; OpenSSH's `MaxSessions` defaults to 10, so keep below it. Default 8. */
  maxChannels?: number;
  /** Test hook: called whenever the number of channels in flight changes. */
  onChannelsInFlight?: (inFlight: number) => void;
  timings?: Partial<RunTimings>;
}

const DEFAULT_TIMINGS: RunTimings = { backstopMs: 2_000, abandonMs: 1_000 };

async function readPrivateKey(node: string, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new HostExecError('NOT_CONFIGURED', `${node}: cannot read the SSH private key ${path} (${reason}).`, { cause: err });
  }
}

/**
 * @example
 * const session = await createSshExecutor('stemedb-1', node.ssh, { log }).connect();
 * try { const df = await session.run({ id: 'df', script, timeoutMs: 5000, maxOutputBytes: 65536 }); }
 * finally { await session.close(); }
 */
export function createSshExecutor(nodeName: string, ssh: SshConfig, options: SshExecutorOptions = {}): HostExecutor {
  const { log } = options;
  const timings = { ...DEFAULT_TIMINGS, ...options.timings };
  const target: ConnectTarget = { node: nodeName, ...ssh };
  const pin = ssh.hostKeySha256.trim();

  return {
    async connect(): Promise<HostSession> {
      if (pin !== '' && !parsePinnedFingerprint(pin)) {
        throw new HostExecError(
          'NOT_CONFIGURED',
          `${nodeName}: \`hostKeySha256\` is not a fingerprint (expected SHA256:<43 base64 characters>, as \`ssh-keygen -lf\` prints it).`,
        );
      }
      const privateKey = await readPrivateKey(nodeName, ssh.privateKeyPath);
      const client = new NodeSSH();
      let refusal: HostKeyRefusal | undefined;
      const hostVerifier = (seenHex: string): boolean => {
        const seen = fingerprintFromHex(seenHex);
        if (pin === '') refusal = { kind: 'unknown', seen };
        else if (!fingerprintMatches(seenHex, pin)) refusal = { kind: 'changed', seen, pinned: pin };
        return refusal === undefined;
      };
      const started = performance.now();
      try {
        await client.connect({
          host: ssh.host,
          port: ssh.port,
          username: ssh.username,
          privateKey,
          readyTimeout: ssh.readyTimeout,
          hostHash: 'sha256',
          hostVerifier,
        });
      } catch (err) {
        client.dispose();
        const mapped = mapConnectError(target, err, refusal);
        log?.warn({ node: nodeName, code: mapped.code, err }, 'ssh connect failed');
        throw mapped;
      }
      // node-ssh drops its own error listener once connected; without one a reset would crash the process.
      client.connection?.on('error', (err: unknown) => log?.warn({ node: nodeName, err }, 'ssh connection error'));
      // node-ssh adds an error listener per command in flight.
      client.connection?.setMaxListeners((options.maxChannels ?? 8) + 10);
      log?.debug({ node: nodeName, ms: Math.round(performance.now() - started) }, 'ssh connected');
      return createSshSession(nodeName, client, options, timings);
    },
  };
}

function createSshSession(node: string, client: NodeSSH, options: SshExecutorOptions, timings: RunTimings): HostSession {
  const limiter = createLimiter(options.maxChannels ?? 8, options.onChannelsInFlight);
  let closed = false;
  const runOne = async (command: HostCommand) => {
    if (closed || !client.isConnected()) throw new Error(`${node}: the SSH connection is closed; cannot run ${command.id}`);
    try {
      return await runSshCommand(client, command, timings);
    } catch (err) {
      throw new Error(`${node}: could not run ${command.id} over SSH (${err instanceof Error ? err.message : String(err)})`, { cause: err });
    }
  };
  return {
    run(command) {
      return limiter.run(async () => {
        const result = await runOne(command);
        options.log?.debug(
          { node, id: command.id, code: result.code, ms: result.durationMs, timedOut: result.timedOut, truncated: result.truncated },
          'host command done',
        );
        return result;
      });
    },
    async close() {
      closed = true;
      client.dispose();
    },
  };
}
