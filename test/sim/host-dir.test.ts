import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../sim/cluster';
import { sleep, tempCluster } from './sim-helpers';

const run = promisify(execFile);
let cluster: SimCluster;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ cluster, cleanup } = await tempCluster([
    { name: 'healthy', scenarios: ['healthy'] },
    { name: 'disk-full', scenarios: ['disk_full'] },
    { name: 'disk-hardware', scenarios: ['disk_hardware'], rebootedSecondsAgo: 300 },
    { name: 'lsm-corruption', scenarios: ['lsm_corruption'] },
    { name: 'lock-contention', scenarios: ['lock_contention'], deadlocks: true },
    { name: 'compaction-lag', scenarios: ['compaction_lag'] },
    { name: 'changing', scenarios: ['healthy'] },
  ]));
});
afterAll(() => cleanup());

const log = (node: string) => readFileSync(cluster.node(node).logFile, 'utf8');
const LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (INFO|WARN|ERROR) [a-z_:]+: \S/;

describe('storage.log', () => {
  it('holds about ten minutes of well-formed history, oldest first', () => {
    const lines = log('disk-full').trimEnd().split('\n');
    for (const line of lines) expect(line).toMatch(LINE);
    const times = lines.map((l) => Date.parse(l.slice(0, 24)));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(Date.now() - times[0]!).toBeGreaterThan(9 * 60_000);
    expect(Date.now() - times[0]!).toBeLessThan(11 * 60_000);
  });

  it.each([
    ['disk-full', ['Error: Custom { kind: Other, error: "IO error: No space left on device" }', 'Failed to write to KV store']],
    ['disk-hardware', ['Error: Custom { kind: Other, error: "Input/output error" }']],
    ['lsm-corruption', ['Error: Corruption: block checksum mismatch', 'Error: Corruption: invalid SST file header', 'LSM tree compaction failed']],
    ['lock-contention', ['Error: Failed to acquire write lock within timeout', 'Error: Deadlock detected in KV store']],
    ['compaction-lag', ['LSM tree compaction failed']],
  ])('has the runbook lines for %s in ERROR lines', (node, patterns) => {
    const errors = log(node)
      .split('\n')
      .filter((l) => / ERROR stemedb_/.test(l));
    for (const p of patterns) expect(errors.some((l) => l.includes(p))).toBe(true);
  });

  it('has only INFO lines on a healthy node', () => {
    const text = log('healthy');
    expect(text.length).toBeGreaterThan(1000);
    expect(text).not.toMatch(/ (ERROR|WARN) /);
    expect(text).not.toMatch(/error/i);
  });

  it('grows on a timer and stops new error lines once a node is healed', async () => {
    const node = cluster.node('changing');
    node.setScenarios(['disk_full']);
    await sleep(1300);
    expect(log('changing')).toContain('No space left on device');
    node.setScenarios(['healthy']);
    const healedAt = Date.now();
    await sleep(1300);
    const after = log('changing')
      .split('\n')
      .filter((l) => l && Date.parse(l.slice(0, 24)) > healedAt + 50);
    expect(after.join('\n')).not.toContain('ERROR');
  });
});

describe('host files', () => {
  it('has real SST files and WAL segments for df, du, find and ls', async () => {
    const lag = cluster.node('compaction-lag');
    expect(readdirSync(join(lag.dataDir, 'kv')).filter((f) => f.endsWith('.sst'))).toHaveLength(650);
    expect((await run('sh', ['-c', 'ls -1 | wc -l'], { cwd: join(lag.dataDir, 'kv') })).stdout.trim()).toBe('650');
    const wal = readdirSync(join(lag.dataDir, 'wal'));
    expect(wal).toContain('segment.000001.wal');
    expect(wal.length).toBeGreaterThanOrEqual(20);
    const old = (await run('find', [join(lag.dataDir, 'wal'), '-name', 'segment.*.wal', '-mtime', '+30'])).stdout.trim().split('\n');
    expect(old.length).toBeGreaterThan(0);
    expect((await run('du', ['-sk', join(lag.dataDir, 'kv')])).stdout).toMatch(/^\d+\t/);
    expect((await run('df', ['-P', lag.dataDir])).stdout).toContain('Available');
  });

  it('keeps /proc/uptime format, ten days by default and small after a reboot', () => {
    const uptime = (node: string) => readFileSync(cluster.node(node).hostTools.uptimeFile, 'utf8');
    expect(uptime('healthy')).toMatch(/^\d+\.\d\d \d+\.\d\d\n$/);
    expect(Number(uptime('healthy').split(' ')[0])).toBeGreaterThan(9 * 86_400);
    expect(Number(uptime('disk-hardware').split(' ')[0])).toBeLessThan(400);
  });
});

describe('dmesg and smartctl stand-ins', () => {
  const dmesg = async (node: string) => (await run(cluster.node(node).hostTools.dmesg, [])).stdout;
  const smart = async (node: string, flag = '-A') => (await run(cluster.node(node).hostTools.smartctl, [flag, '/dev/sda'])).stdout;
  const raw = (text: string, attr: string) => Number(new RegExp(`^\\s*\\d+ ${attr} .* (\\d+)$`, 'm').exec(text)?.[1]);

  it('prints kernel I/O errors in dmesg format on a failing disk, within the current uptime', async () => {
    const text = await dmesg('disk-hardware');
    expect(text).toMatch(/^\[\s*\d+\.\d{6}\] blk_update_request: I\/O error, dev sda, sector \d+ op 0x1:\(WRITE\)/m);
    expect(text).toMatch(/^\[\s*\d+\.\d{6}\] sd 0:0:0:0: \[sda\] tag#\d+ FAILED Result: /m);
    expect(text).toMatch(/^\[\s*\d+\.\d{6}\] Buffer I\/O error on dev sda1, /m);
    const stamps = [...text.matchAll(/^\[\s*(\d+\.\d+)\]/gm)].map((m) => Number(m[1]));
    expect(Math.max(...stamps)).toBeLessThan(400);
    expect(text.split('\n').filter((l) => /i\/o error/i.test(l)).length).toBeGreaterThan(5);
  });

  it('prints ordinary boot lines otherwise', async () => {
    const text = await dmesg('healthy');
    expect(text).toMatch(/^\[\s+0\.000000\] Linux version /);
    expect(text).not.toMatch(/error/i);
  });

  it('prints the smartctl attribute table with failing sectors only on a failing disk', async () => {
    const bad = await smart('disk-hardware');
    expect(bad).toContain('ID# ATTRIBUTE_NAME          FLAG     VALUE WORST THRESH TYPE      UPDATED  WHEN_FAILED RAW_VALUE');
    expect(raw(bad, 'Reallocated_Sector_Ct')).toBeGreaterThan(0);
    expect(raw(bad, 'Current_Pending_Sector')).toBeGreaterThan(0);
    const good = await smart('healthy', '-a');
    expect(good).toContain('SMART overall-health self-assessment test result: PASSED');
    expect(raw(good, 'Reallocated_Sector_Ct')).toBe(0);
    expect(raw(good, 'Current_Pending_Sector')).toBe(0);
  });

  it('follows scenario changes', async () => {
    const node = cluster.node('changing');
    node.setScenarios(['disk_hardware']);
    expect(await dmesg('changing')).toContain('I/O error');
    expect(raw(await smart('changing'), 'Current_Pending_Sector')).toBeGreaterThan(0);
    node.setScenarios([]);
    expect(await dmesg('changing')).not.toContain('I/O error');
    expect(raw(await smart('changing'), 'Current_Pending_Sector')).toBe(0);
  });
});
