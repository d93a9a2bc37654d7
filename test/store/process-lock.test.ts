import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database';
import { MIGRATIONS } from '../../src/app/migrations';
import { acquireProcessLock } from '../../src/store/process-lock';

/** The one-bot-per-store lock's takeover rules, on an injected clock and injected pid liveness. */
describe('process lock', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stemedb-lock-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses while the holder lives, takes over from a dead pid on this host or a silent holder elsewhere', () => {
    const path = join(dir, 'a.sqlite');
    const a = openDatabase(path, MIGRATIONS);
    const b = openDatabase(path, MIGRATIONS);
    let now = 1_000_000;
    const alive = new Set([101]);
    const lock = (db: typeof a, pid: number, host: string) =>
      acquireProcessLock(db, { path, pid, host, now: () => now, isAlive: (p) => alive.has(p), heartbeatMs: 3_600_000 });

    const first = lock(a, 101, 'h1');
    expect(() => lock(b, 202, 'h1')).toThrow(
      `another stemedb-chatops process runs on ${path}: pid 101 on h1, since ${new Date(1_000_000).toISOString()} (last heartbeat 0 s ago)`,
    );
    alive.delete(101);
    lock(b, 202, 'h1').release();

    // A holder on another host cannot be checked by pid: its heartbeat going silent for a minute frees the file.
    const remote = lock(a, 303, 'h2');
    now += 59_000;
    expect(() => lock(b, 404, 'h1')).toThrow(/pid 303 on h2/);
    now += 2_000;
    const taken = lock(b, 404, 'h1');
    taken.release();
    remote.release();
    first.release();
    a.close();
    b.close();
  });
});
