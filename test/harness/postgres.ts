/**
 * A throwaway PostgreSQL for tests: `initdb` into a temp dir, `postgres` on 127.0.0.1 and a free port with its
 * unix socket in that dir, started as a child process (no system service), removed by `stop()`. Debian's
 * server refuses to run as root, so as root both run as the `postgres` user through `setpriv`, which execs
 * (unlike `runuser`, which forks): the child we signal is the postmaster itself.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port';

/** Debian's layout: /usr/lib/postgresql/<major>/bin; the newest major wins. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((d) => /^\d+$/.test(d) && existsSync(join(root, d, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] ? join(root, majors[0], 'bin') : undefined;
}

/** False on a developer machine without PostgreSQL (the caller skips); in CI a missing server fails the run. */
export function requirePostgresOrSkip(): boolean {
  if (postgresBinDir()) return true;
  if (process.env.CI) throw new Error("PostgreSQL is missing in CI: install Debian's postgresql package (.ci/run does)");
  return false;
}

export interface RunningPostgres {
  port: number;
  socketDir: string;
  /** A URL for database `name` (default `postgres`), over TCP to 127.0.0.1. */
  url(name?: string): string;
  /** Creates an empty database and returns its URL: one per test keeps tests independent on one server. */
  createDatabase(name: string): Promise<string>;
  log(): string;
  stop(): Promise<void>;
}

/** Runs as `postgres` when we are root, as ourselves otherwise. */
function asServerUser(bin: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [bin, args];
  return ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', bin, ...args]];
}

export async function startPostgres(): Promise<RunningPostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('no PostgreSQL server under /usr/lib/postgresql/*/bin');
  const dir = mkdtempSync(join(tmpdir(), 'stemedb-pg-'));
  const dataDir = join(dir, 'data');
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const [initCmd, initArgs] = asServerUser(join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
  execFileSync(initCmd, initArgs, { stdio: ['ignore', 'pipe', 'pipe'] });

  const port = await freePort();
  // fsync off: a test server that loses data on a power cut is fine, and it saves the shared disk.
  const serverArgs = [
    '-D',
    dataDir,
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
    '-c',
    'max_connections=200',
  ];
  const [cmd, args] = asServerUser(join(bin, 'postgres'), serverArgs);
  const child: ChildProcess = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let logText = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (logText += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = (name = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${name}`;

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT'); // "fast shutdown": ends sessions, no wait for clients
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`postgres exited at start-up:\n${logText}`);
    }
    const client = new pg.Client({ connectionString: url() });
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      break;
    } catch (err) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`postgres did not accept connections within 20 s (${String(err)}):\n${logText}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  return {
    port,
    socketDir: dir,
    url,
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    log: () => logText,
    stop,
  };
}
