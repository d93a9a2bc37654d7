import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type SimCluster } from '../../sim';
import { dueRun } from '../../src/reports/report-schedule';
import { createSqliteUnitOfWork } from '../../src/app/sqlite-repositories';
import { createWeeklyReports } from '../../src/reports/weekly-reports';
import { openDatabase } from '../../src/store/database';
import { MIGRATIONS } from '../../src/app/migrations';
import { startFakeSlack, type FakeSlack } from '../harness/fake-slack';
import { startBot, type TestBot } from '../harness/start-bot';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

const SCHEDULE = { channel: 'C0REPORTS', day: 'monday', time: '09:00', timezone: 'Europe/Berlin' };
const CONFIG = { reports: { weekly: SCHEDULE }, access: { operators: { users: ['U_ALICE'] } } };

describe('the weekly report schedule (pure, on a given clock)', () => {
  const s = { day: 'monday', time: '09:00', timezone: 'Europe/Berlin' } as const;
  it.each([
    ['2026-11-30T07:59:59Z', undefined],
    ['2026-11-30T08:00:00Z', { period: '2026-11-30', minutesLate: 0 }],
    ['2026-11-30T19:59:00Z', { period: '2026-11-30', minutesLate: 719 }],
    ['2026-11-30T21:00:00Z', undefined],
    ['2026-12-01T08:00:00Z', undefined],
    // Summer time: 09:00 in Berlin is 07:00 UTC.
    ['2026-06-01T07:00:30Z', { period: '2026-06-01', minutesLate: 0 }],
  ])('at %s', (at, expected) => {
    expect(dueRun(new Date(at), s, 12 * 60)).toEqual(expected);
  });
});

describe('the weekly report, posted through Slack', () => {
  let clock = new Date('2026-11-30T07:59:00Z');
  const now = () => clock;
  let dir: string;
  let fake: FakeSlack;
  let sim: SimCluster;
  let bot: TestBot;
  const reportPosts = () => fake.calls('chat.postMessage').filter((c) => c.body.channel === 'C0REPORTS');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'weekly-report-'));
    fake = await startFakeSlack();
    sim = await startCluster({
      baseDir: join(dir, 'sim'),
      nodes: [
        { name: 'stemedb-1', scenarios: ['compaction_lag'] },
        { name: 'stemedb-2', scenarios: ['healthy'] },
      ],
    });
    bot = await startBot({ dir, fake, sim, now, config: CONFIG });
  });
  afterAll(async () => {
    await bot?.stop();
    await sim?.stop();
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('posts once at the scheduled minute, whichever of two processes on one store ticks first', async () => {
    expect(await createWeeklyReports(bot.runtime.services).tick()).toBe('not_due');
    clock = new Date('2026-11-30T08:00:20Z');
    const otherProcessDb = openDatabase(join(dir, 'bot.sqlite'), MIGRATIONS);
    try {
      const outcomes = await Promise.all([
        createWeeklyReports(bot.runtime.services).tick(),
        createWeeklyReports(bot.runtime.services, createSqliteUnitOfWork(otherProcessDb).reports).tick(),
      ]);
      expect(outcomes.sort()).toEqual(['already_claimed', 'posted']);
    } finally {
      otherProcessDb.close();
    }
    expect(reportPosts()).toHaveLength(1);
    const post = reportPosts()[0]!;
    const stats = (await fetch(`${sim.node('stemedb-1').apiUrl}/v1/admin/storage/stats`).then((r) => r.json())) as { sst_file_count: number };
    const text = String(post.body.text);
    expect(text).toContain(`*stemedb-1* - SST files > 500: compaction failing; pending compaction > 10 GB; write amplification >= 10`);
    expect(text).toContain(`• SST files: ${stats.sst_file_count}\n`);
    expect(text).toMatch(
      /:large_green_circle: \*stemedb-2\*\n• SST files: \d+\n• Total: [\d,.]+ MB\n• Pending compaction: [\d,.]+ MB\n• Write amplification: 3\n• Disk free: [\d.]+%/,
    );
    expect(text).toContain('No earlier report stored');
    const buttons = (post.body.blocks as { type: string; elements?: { action_id: string; value: string }[] }[])
      .filter((b) => b.type === 'actions')
      .flatMap((b) => b.elements ?? []);
    expect(buttons).toEqual([expect.objectContaining({ action_id: 'diagnosis_compact', value: JSON.stringify({ node: 'stemedb-1' }) })]);
  });

  it('does not post again after a restart at the scheduled minute', async () => {
    await bot.stop();
    clock = new Date('2026-11-30T08:01:00Z');
    bot = await startBot({ dir, fake, sim, now, config: CONFIG });
    expect(await createWeeklyReports(bot.runtime.services).tick()).toBe('already_claimed');
    await new Promise((r) => setTimeout(r, 300));
    expect(reportPosts()).toHaveLength(1);
  });

  it('posts the next week with the change since the last report', async () => {
    clock = new Date('2026-12-07T08:00:05Z');
    expect(await createWeeklyReports(bot.runtime.services).tick()).toBe('posted');
    expect(reportPosts()).toHaveLength(2);
    const text = String(reportPosts()[1]!.body.text);
    expect(text).toContain('Changes are since the report of 2026-11-30.');
    expect(text).toMatch(/• SST files: \d+ \((=|[+−]\d+)\)/);
    expect(text).toMatch(/• Write amplification: 3 \(=\)/);
  });

  it('/stemedb report posts it on demand, compared with the last weekly report', async () => {
    fake.reset();
    await bot.command('report');
    const post = await fake.waitForCall('chat.postMessage', (c) => String(c.body.text).includes('Weekly LSM health check'), 20_000);
    expect(post.body.channel).toBe('C0ALERTS');
    expect(String(post.body.text)).toContain('Changes are since the report of 2026-12-07.');
  });

  it("the report's Compact button opens the compaction confirmation", async () => {
    fake.reset();
    await bot.click('diagnosis_compact', JSON.stringify({ node: 'stemedb-1' }));
    const [reply] = await fake.waitFor(() => (fake.responses().length > 0 ? fake.responses() : undefined), 20_000);
    expect(String(reply!.body.text)).toMatch(/Compact stemedb-1\?/);
  });
});
