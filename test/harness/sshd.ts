/**
 * A throwaway OpenSSH server for tests: `/usr/sbin/sshd -D -e` on 127.0.0.1 and a free port, with a fresh
 * ed25519 host key and client key in a temp dir. Runs as the current user (root here, as in CI).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { userInfo, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';

export const SSHD_PATH = '/usr/sbin/sshd';

export interface RunningSshd {
  host: '127.0.0.1';
  port: number;
  username: string;
  privateKeyPath: string;
  /** `SHA256:...` as `ssh-keygen -lf` prints it for the host key. */
  hostKeySha256: string;
  hostKeyPath: string;
  /** What sshd logged so far (`-e`: to stderr), for assertions and failure messages. */
  log(): string;
  stop(): Promise<void>;
}

/** Whether OpenSSH's server is installed here. */
export function sshdAvailable(): boolean {
  return existsSync(SSHD_PATH);
}

/**
 * Whether SSH tests should run: false when sshd is missing on a developer machine (the caller skips); in CI a
 * missing sshd throws, because a silent skip there would hide the whole SSH suite.
 */
export function requireSshdOrSkip(): boolean {
  if (sshdAvailable()) return true;
  if (process.env.CI) throw new Error(`${SSHD_PATH} is missing in CI: install openssh-server (apt-get install openssh-server)`);
  return false;
}

function fingerprint(publicKeyPath: string): string {
  const line = execFileSync('ssh-keygen', ['-lf', publicKeyPath, '-E', 'sha256'], { encoding: 'utf8' });
  const match = /SHA256:[A-Za-z0-9+/]+/.exec(line);
  if (!match) throw new Error(`ssh-keygen printed no SHA256 fingerprint: ${line}`);
  return match[0];
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitForListening(child: ChildProcess, port: number, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`sshd exited at start-up:\n${log()}`);
    if (log().includes('Server listening') && (await portAccepts(port))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd did not listen on 127.0.0.1:${port} within 10 s:\n${log()}`);
}

/** Starts sshd; `stop()` kills it and removes the temp dir. */
export async function startSshd(opts: { authorizedUser?: string } = {}): Promise<RunningSshd> {
  const username = opts.authorizedUser ?? userInfo().username;
  const dir = mkdtempSync(join(tmpdir(), 'stemedb-sshd-'));
  const hostKeyPath = join(dir, 'ssh_host_ed25519_key');
  const privateKeyPath = join(dir, 'id_ed25519');
  const keygen = (path: string) => execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'stemedb-test', '-f', path]);
  keygen(hostKeyPath);
  keygen(privateKeyPath);
  const authorizedKeys = join(dir, 'authorized_keys');
  writeFileSync(authorizedKeys, readFileSync(`${privateKeyPath}.pub`));
  // sshd insists on its privilege-separation directory, even with -D and a private config.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

  const port = await freePort();
  const configPath = join(dir, 'sshd_config');
  writeFileSync(
    configPath,
    [
      `ListenAddress 127.0.0.1`,
      `Port ${port}`,
      `HostKey ${hostKeyPath}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      `AllowUsers ${username}`,
      `PubkeyAuthentication yes`,
      `PasswordAuthentication no`,
      `KbdInteractiveAuthentication no`,
      `UsePAM no`,
      `StrictModes no`,
      `PermitRootLogin prohibit-password`,
      `MaxSessions 10`,
      `MaxStartups 100`,
      `LogLevel VERBOSE`,
      '',
    ].join('\n'),
  );

  const child = spawn(SSHD_PATH, ['-D', '-e', '-f', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let logText = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (logText += chunk));
  const log = () => logText;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitForListening(child, port, log);
  } catch (err) {
    await stop();
    throw err;
  }
  return { host: '127.0.0.1', port, username, privateKeyPath, hostKeySha256: fingerprint(`${hostKeyPath}.pub`), hostKeyPath, log, stop };
}
