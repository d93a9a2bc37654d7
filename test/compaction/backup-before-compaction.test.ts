import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterNodesConfig, startCluster, type SimCluster } from '../../sim';
import { startBot, type TestBot } from '../harness/start-bot';
import { ask, FAST_COMPACTION, OPERATOR, requestConfirmation } from './compaction-helpers';

const HOUR = 3_600_000;

/** A backup dir holding snapshots taken `hoursAgo` (mtime set, as a snapshot tool leaves it). */
function backupDir(root: string, name: string, hoursAgo: number[]): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const h of hoursAgo) {
    const at = new Date(Date.now() - h * HOUR);
    const file = join(dir, `kv-${at.toISOString().slice(0, 13).replace(/[-T]/g, '')}.tar.zst`);
    writeFileSync(file, 'snapshot');
    utimesSync(file, at, at);
  }
  return dir;
}

/** Issue 9 item 7: every compaction confirmation says to snapshot first, and shows the newest snapshot's age. */
describe('backup before compaction (/stemedb compact over signed Slack requests)', () => {
  let dir: string;
  let sim: SimCluster;
  let bot: TestBot;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stemedb-backup-'));
    sim = await startCluster({
      baseDir: join(dir, 'sim'),
      nodes: ['fresh', 'stale', 'empty', 'none'].map((name) => ({ name, scenarios: ['compaction_lag' as const] })),
    });
    const dirs: Record<string, string> = {
      fresh: backupDir(dir, 'fresh', [50, 2]),
      stale: backupDir(dir, 'stale', [80, 30]),
      empty: backupDir(dir, 'empty', []),
    };
    const nodes = clusterNodesConfig(sim).map((n) => (dirs[n.name] ? { ...n, backupDir: dirs[n.name] } : n));
    bot = await startBot({
      sim,
      config: { stemedb: { nodes }, access: { operators: { users: [OPERATOR] } }, compaction: { ...FAST_COMPACTION, snapshotMaxAge: '24h' } },
    });
  });
  afterAll(async () => {
    await bot?.stop();
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('always says to snapshot the KV store first, on every cause, even without a backupDir', async () => {
    const { body } = await requestConfirmation(bot, 'none');
    expect(body.text).toContain('Backup: snapshot the KV store before compacting (runbook: always back up before a manual compaction)');
    expect(body.text).toContain('Newest snapshot: not checked (no `backupDir` configured for this node)');
  });

  it('shows the newest snapshot and its age, without a warning when it is recent', async () => {
    const { body } = await requestConfirmation(bot, 'fresh');
    expect(body.text).toMatch(/Newest snapshot in .*\/fresh: kv-\d{10}\.tar\.zst, taken \d\d:\d\d:\d\d UTC \(2h 0m ago\)/);
    expect(body.text).not.toContain('snapshotMaxAge');
  });

  it('warns when the newest snapshot is older than compaction.snapshotMaxAge', async () => {
    const { body } = await requestConfirmation(bot, 'stale');
    expect(body.text).toMatch(
      /:warning: the newest snapshot \(kv-\d{10}\.tar\.zst\) is 30h 0m old, older than `compaction.snapshotMaxAge` \(24h 0m\): take a fresh one before compacting/,
    );
  });

  it('warns when the backup dir holds no snapshot, and in the dry run too', async () => {
    const { body } = await requestConfirmation(bot, 'empty');
    expect(body.text).toMatch(/:warning: no snapshot could be found in .*\/empty \(it holds no snapshot\): take one before compacting/);
    const dry = await ask(bot, 'compact stale --dry-run');
    expect(dry.text).toContain('Backup: snapshot the KV store before compacting');
    expect(dry.text).toContain('older than `compaction.snapshotMaxAge`');
  });
});
