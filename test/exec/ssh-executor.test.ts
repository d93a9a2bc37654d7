import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostExecError, type HostCommand } from '../../src/exec/host-executor';
import { shellQuote } from '../../src/exec/shell-quote';
import { createSshExecutor, type SshConfig, type SshExecutorOptions } from '../../src/exec/ssh-executor';
import { requireSshdOrSkip, startSshd, type RunningSshd } from '../harness/sshd';
import { hostileValues } from './hostile-values';
import { freePort } from '../harness/free-port';

const command = (script: string, overrides: Partial<HostCommand> = {}): HostCommand => ({
  id: 'test',
  script,
  timeoutMs: 5_000,
  maxOutputBytes: 100_000,
  ...overrides,
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function connectError(config: SshConfig): Promise<HostExecError> {
  const err = await createSshExecutor('stemedb-1', config)
    .connect()
    .then(
      (session) => session.close().then(() => undefined),
      (e: unknown) => e,
    );
  expect(err).toBeInstanceOf(HostExecError);
  return err as HostExecError;
}

describe.skipIf(!requireSshdOrSkip())('ssh executor against a real sshd', () => {
  let sshd: RunningSshd;
  let config: SshConfig;
  let dir: string;
  const logins = () =>
    sshd
      .log()
      .split('\n')
      .filter((l) => l.includes('Accepted publickey')).length;
  const open = (options?: SshExecutorOptions) => createSshExecutor('stemedb-1', config, options).connect();

  beforeAll(async () => {
    sshd = await startSshd();
    config = {
      host: sshd.host,
      port: sshd.port,
      username: sshd.username,
      privateKeyPath: sshd.privateKeyPath,
      hostKeySha256: sshd.hostKeySha256,
      readyTimeout: 5_000,
    };
    dir = mkdtempSync(join(tmpdir(), 'stemedb-ssh-'));
  });
  afterAll(async () => {
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('connects with the pinned key and runs commands, keeping exit codes and stderr', async () => {
    const session = await open();
    try {
      expect(await session.run(command('echo hello', { id: 'echo' }))).toMatchObject({
        id: 'echo',
        code: 0,
        stdout: 'hello\n',
        stderr: '',
        timedOut: false,
        truncated: false,
      });
      expect(await session.run(command('echo oops >&2; exit 3'))).toMatchObject({ code: 3, stderr: 'oops\n' });
    } finally {
      await session.close();
    }
  });

  it('refuses a changed host key, naming both fingerprints, before logging in', async () => {
    const wrongPin = `SHA256:${'A'.repeat(43)}`;
    const before = logins();
    const err = await connectError({ ...config, hostKeySha256: wrongPin });
    expect(err.code).toBe('HOST_KEY_CHANGED');
    expect(err.message).toContain(`saw ${sshd.hostKeySha256}, pinned ${wrongPin}`);
    expect(err.message).toContain('possible attack');
    expect(logins()).toBe(before);
  });

  it('refuses to log in without a pin, and says what to pin', async () => {
    const before = logins();
    const err = await connectError({ ...config, hostKeySha256: '' });
    expect(err.code).toBe('HOST_KEY_UNKNOWN');
    expect(err.message).toContain(`set \`hostKeySha256: ${sshd.hostKeySha256}\` for stemedb-1`);
    expect(logins()).toBe(before);
  });

  it('refuses a malformed pin and an unreadable key without connecting', async () => {
    expect((await connectError({ ...config, hostKeySha256: 'SHA256:nope' })).code).toBe('NOT_CONFIGURED');
    const missing = await connectError({ ...config, privateKeyPath: join(dir, 'no-such-key') });
    expect(missing.code).toBe('NOT_CONFIGURED');
    expect(missing.message).toContain('no-such-key');
  });

  it('reports a key the server does not accept as AUTH_FAILED', async () => {
    const otherKey = join(dir, 'other_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherKey]);
    const err = await connectError({ ...config, privateKeyPath: otherKey });
    expect(err.code).toBe('AUTH_FAILED');
    expect(err.message).toContain(`${sshd.host}:${sshd.port}`);
  });

  it('reports a port with nothing listening as CONNECT_FAILED with host:port, not as a handshake timeout', async () => {
    const port = await freePort();
    const err = await connectError({ ...config, port, readyTimeout: 20_000 });
    expect(err.code).toBe('CONNECT_FAILED');
    expect(err.message).toContain(`127.0.0.1:${port} (ECONNREFUSED)`);
  });

  it('reports a port that accepts but never speaks SSH as CONNECT_FAILED after readyTimeout', async () => {
    const sockets: import('node:net').Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const err = await connectError({ ...config, port, readyTimeout: 300 });
      expect(err.code).toBe('CONNECT_FAILED');
      expect(err.message).toContain(`no SSH handshake from 127.0.0.1:${port} within 300 ms`);
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('rejects commands after the session is closed', async () => {
    const session = await open();
    await session.close();
    await expect(session.run(command('echo late'))).rejects.toThrow(/connection is closed/);
  });

  it('kills the remote process, and what it started, at the timeout', async () => {
    const session = await open();
    try {
      const marker = join(dir, 'late');
      const background = join(dir, 'late-bg');
      const script = `(sleep 3; touch ${shellQuote(background)}) & sleep 3; touch ${shellQuote(marker)}`;
      const result = await session.run(command(script, { timeoutMs: 500 }));
      expect(result).toMatchObject({ timedOut: true, code: null });
      await sleep(4_000);
      expect(existsSync(marker)).toBe(false);
      expect(existsSync(background)).toBe(false);

      const inTime = join(dir, 'in-time');
      expect(await session.run(command(`sleep 0.2; touch ${shellQuote(inTime)}`))).toMatchObject({ timedOut: false, code: 0 });
      expect(existsSync(inTime)).toBe(true);
    } finally {
      await session.close();
    }
  });

  it('caps output and says it was truncated', async () => {
    const session = await open();
    try {
      const result = await session.run(command(`head -c 1000000 /dev/zero | tr '\\0' a`, { maxOutputBytes: 10_000 }));
      expect(result.truncated).toBe(true);
      expect(result.stdout).toBe('a'.repeat(10_000));
      expect(await session.run(command('printf abc', { maxOutputBytes: 3 }))).toMatchObject({ stdout: 'abc', truncated: false, code: 0 });
    } finally {
      await session.close();
    }
  });

  it('runs 12 concurrent commands on one session, at most 8 channels at once', async () => {
    let peak = 0;
    const session = await open({ onChannelsInFlight: (n) => (peak = Math.max(peak, n)) });
    try {
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => session.run(command(`sleep 0.5; echo ${i}`, { id: `c${i}` }))));
      results.forEach((result, i) => expect(result).toMatchObject({ id: `c${i}`, code: 0, stdout: `${i}\n` }));
      expect(peak).toBe(8);
    } finally {
      await session.close();
    }
  });

  it('needs the limit: sshd refuses channels past MaxSessions 10', async () => {
    const session = await open({ maxChannels: 12 });
    try {
      const outcomes = await Promise.allSettled(Array.from({ length: 12 }, () => session.run(command('sleep 1'))));
      expect(outcomes.filter((o) => o.status === 'rejected').length).toBeGreaterThan(0);
    } finally {
      await session.close();
    }
  });

  it('passes hostile config values to ls as one argument: nothing injected runs', async () => {
    const session = await open();
    try {
      for (const name of hostileValues('pwned')) {
        mkdirSync(join(dir, name));
        const result = await session.run(command(`cd ${shellQuote(dir)} && ls -d -- ${shellQuote(name)}`));
        expect(result).toMatchObject({ code: 0, stdout: `${name}\n` });
      }
      const absolute = join(dir, 'pwned-abs');
      for (const value of hostileValues(absolute)) {
        expect((await session.run(command(`printf '%s' ${shellQuote(value)}`))).stdout).toBe(value);
      }
      expect(existsSync(join(dir, 'pwned'))).toBe(false);
      expect(existsSync(absolute)).toBe(false);
    } finally {
      await session.close();
    }
  });
});
