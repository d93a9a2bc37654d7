import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database';
import { MIGRATIONS } from '../../src/app/migrations';
import { createSqliteUnitOfWork } from '../../src/app/sqlite-repositories';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'open-incidents.ts');

function race(path: string, role: 'alert' | 'manual', startAt: number, nodes: number): Promise<{ created: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, path, role, String(startAt), String(nodes)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => {
      const done = /DONE (\{.*\})/.exec(out);
      if (code === 0 && done) resolve(JSON.parse(done[1]!) as { created: string[] });
      else reject(new Error(`${role} process exited ${code}: ${err.slice(-2000)}`));
    });
  });
}

/** Issue 10, item 1: the rule lives in the store, so two processes on one file cannot break it. */
describe('one open incident per node and problem, enforced by the store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stemedb-incidents-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('two processes opening incidents for the same nodes at the same moment give one per node', async () => {
    const path = join(dir, 'race.sqlite');
    openDatabase(path, MIGRATIONS).close();
    const nodes = 40;
    // Both start at the same wall-clock millisecond, after both have loaded and opened the file.
    const startAt = Date.now() + 2_500;
    const [alerts, manual] = await Promise.all([race(path, 'alert', startAt, nodes), race(path, 'manual', startAt, nodes)]);
    expect(alerts.created.length + manual.created.length).toBe(nodes);

    const db = openDatabase(path, MIGRATIONS);
    const store = createSqliteUnitOfWork(db);
    for (let i = 0; i < nodes; i++) {
      const open = await store.incidents.openOfNode(`stemedb-${i}`);
      expect(open).toHaveLength(1);
      // Whoever came first, the alert ends up on the incident (it opened it, or adopted the manual one).
      expect(open[0]).toMatchObject({ fingerprint: `fp-${i}`, alertname: 'HighStorageErrorRate' });
    }
    db.close();
  }, 30_000);

  it('a second connection cannot insert a second open incident for a node and problem', async () => {
    const path = join(dir, 'index.sqlite');
    const a = openDatabase(path, MIGRATIONS);
    const b = openDatabase(path, MIGRATIONS);
    const storeA = createSqliteUnitOfWork(a);
    const storeB = createSqliteUnitOfWork(b);
    await storeA.incidents.openOrGet({ node: 'stemedb-1', title: 'x', source: 'manual' }, new Date());
    const insert = "INSERT INTO incidents (id, node, title, source, status, opened_at, problem) VALUES (?, 'stemedb-1', 'y', 'manual', 'open', ?, 'node')";
    expect(() => b.prepare(insert).run('inc-other', new Date().toISOString())).toThrow(/UNIQUE constraint failed/);
    // Through the store, the second connection joins instead.
    const joined = await storeB.incidents.openOrGet({ node: 'stemedb-1', title: 'y', source: 'manual' }, new Date());
    expect(joined).toMatchObject({ created: false, joined: true });
    // Once resolved, the node can have a new one.
    await storeB.incidents.resolve(joined.incident.id, new Date(), 'U1');
    expect((await storeA.incidents.openOrGet({ node: 'stemedb-1', title: 'z', source: 'manual' }, new Date())).created).toBe(true);
    a.close();
    b.close();
  });
});
