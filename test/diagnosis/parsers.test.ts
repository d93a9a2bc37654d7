import { describe, expect, it } from 'vitest';
import { parseDf } from '../../src/diagnosis/parsers/parse-df';
import { dmesgDenied, scanDmesg } from '../../src/diagnosis/parsers/parse-dmesg';
import { groupCount, scanLogLines } from '../../src/diagnosis/parsers/parse-log-patterns';
import { parseSmartctl, parseUptime } from '../../src/diagnosis/parsers/parse-smartctl';

describe('parseDf (df -P -B1)', () => {
  it('reads sizes, free fraction and a mount point with spaces', () => {
    const out =
      'Filesystem         1-blocks        Used   Available Capacity Mounted on\n/dev/sdb1      1000000000000 960000000000 40000000000      96% /var/lib/stem edb\n';
    expect(parseDf(out)).toEqual({
      filesystem: '/dev/sdb1',
      sizeBytes: 1e12,
      usedBytes: 9.6e11,
      availBytes: 4e10,
      freeFraction: 0.04,
      mountpoint: '/var/lib/stem edb',
    });
  });

  it('takes the last line when df prints several', () => {
    const out = 'Filesystem 1-blocks Used Available Capacity Mounted on\n/dev/a 100 10 90 10% /\n/dev/b 200 150 50 75% /data\n';
    expect(parseDf(out)).toMatchObject({ filesystem: '/dev/b', freeFraction: 0.25, mountpoint: '/data' });
  });

  it.each([
    ['', 'empty'],
    ['Filesystem 1-blocks Used Available Capacity Mounted on\n', 'header only'],
    ["df: '/nope': No such file or directory\n", 'an error'],
    ['Filesystem 1-blocks Used Available Capacity Mounted on\n/dev/a 0 0 0 - /\n', 'a zero-size filesystem'],
    ['Filesystem 1-blocks Used Available Capacity Mounted on\n/dev/a x y z 1% /\n', 'non-numbers'],
  ])('returns undefined for %j (%s)', (out) => {
    expect(parseDf(out)).toBeUndefined();
  });
});

describe('scanDmesg', () => {
  const dmesg = [
    '[    0.000000] Linux version 6.1.0-13-amd64',
    '[    2.113052] EXT4-fs (sda1): mounted filesystem with ordered data mode. Opts: errors=remount-ro. Quota mode: none.',
    '[    3.100000] EXT4-fs (sda1): re-mounted. Opts: errors=remount-ro',
    '[ 5012.100001] sd 0:0:0:0: [sda] tag#3 Sense Key : Medium Error [current]',
    '[ 5012.100002] blk_update_request: I/O error, dev sda, sector 123 op 0x1:(WRITE)',
    '[ 5012.100003] Buffer I/O error on dev sda1, logical block 15, lost async page write',
    '[ 5013.250000] sd 0:0:0:0: [sda] tag#7 Add. Sense: Unrecovered read error - auto reallocate failed',
    '[ 6000.000000] usb 1-1: new high-speed USB device number 2 using xhci_hcd',
  ].join('\n');

  it('counts the runbook I/O error lines, keeps the last three and the newest timestamp', () => {
    const scan = scanDmesg(dmesg);
    expect(scan.ioErrors).toBe(4);
    expect(scan.samples).toHaveLength(3);
    expect(scan.samples.at(-1)).toContain('Unrecovered read error');
    expect(scan.lastErrorAtSeconds).toBe(5013.25);
  });

  it("does not take ext4's errors=remount-ro mount option for an I/O error", () => {
    expect(scanDmesg(dmesg.split('\n').slice(0, 3).join('\n')).ioErrors).toBe(0);
  });

  it('has no timestamp for dmesg -t style output', () => {
    expect(scanDmesg('blk_update_request: I/O error, dev sdb, sector 9')).toMatchObject({ ioErrors: 1, lastErrorAtSeconds: null });
  });

  it('recognises a refused kernel log', () => {
    expect(dmesgDenied('dmesg: read kernel buffer failed: Operation not permitted')).toBe(true);
    expect(dmesgDenied(dmesg)).toBe(false);
  });
});

describe('parseSmartctl (smartctl -A)', () => {
  const table = [
    'smartctl 7.3 2022-02-28 r5338 [x86_64-linux-6.1.0-13-amd64] (local build)',
    '',
    '=== START OF READ SMART DATA SECTION ===',
    'ID# ATTRIBUTE_NAME          FLAG     VALUE WORST THRESH TYPE      UPDATED  WHEN_FAILED RAW_VALUE',
    '  5 Reallocated_Sector_Ct   0x0033   171   171   140    Pre-fail  Always       -       312',
    '194 Temperature_Celsius     0x0022   114   104   000    Old_age   Always       -       36 (Min/Max 20/45)',
    '197 Current_Pending_Sector  0x0032   200   200   000    Old_age   Always       -       27',
  ].join('\n');

  it('reads the raw values of both attributes', () => {
    expect(parseSmartctl(table)).toEqual({ reallocatedSectors: 312, pendingSectors: 27 });
  });

  it('gives null for an attribute the drive does not report', () => {
    expect(parseSmartctl(table.split('\n').slice(0, 5).join('\n'))).toEqual({ reallocatedSectors: 312, pendingSectors: null });
    expect(parseSmartctl('Smartctl open device: /dev/sda failed: No such device')).toEqual({ reallocatedSectors: null, pendingSectors: null });
  });
});

describe('parseUptime (/proc/uptime)', () => {
  it.each([
    ['1404.55 1789.14\n', 1404.55],
    ['600', 600],
    ['', null],
    ['cat: /proc/uptime: No such file or directory', null],
    ['-5 3', null],
  ])('%j -> %j', (out, expected) => {
    expect(parseUptime(out)).toBe(expected);
  });
});

describe('scanLogLines', () => {
  const now = Date.parse('2026-11-23T12:00:00Z');
  const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000).toISOString();
  const since = new Date(now - 15 * 60_000);

  it('counts each runbook pattern by group, plus generic storage errors and lock timeouts', () => {
    const lines = [
      `${at(1)} ERROR stemedb_storage::kv: put failed: Error: Custom { kind: Other, error: "IO error: No space left on device" }`,
      `${at(1)} ERROR stemedb_storage::kv: get failed: Error: Custom { kind: Other, error: "Input/output error" }`,
      `${at(2)} ERROR stemedb_storage::lsm: get failed file=kv/000001.sst: Error: Corruption: block checksum mismatch`,
      `${at(2)} ERROR stemedb_storage::lsm: failed to open table: Error: Corruption: invalid SST file header`,
      `${at(3)} ERROR stemedb_storage::kv: put failed: Error: Failed to acquire write lock within timeout`,
      `${at(3)} ERROR stemedb_storage::kv: txn 12 aborted: Error: Deadlock detected in KV store`,
      `${at(4)} ERROR stemedb_storage::kv: put failed: StorageError: request aborted`,
      `${at(4)} INFO stemedb_api::http: request completed status=201`,
      '',
    ];
    const scan = scanLogLines(lines, since);
    expect(scan.linesRead).toBe(9);
    expect(scan.linesInWindow).toBe(8);
    expect(groupCount(scan, 'disk_io')).toBe(2);
    expect(groupCount(scan, 'lsm_corruption')).toBe(2);
    expect(groupCount(scan, 'lock_contention')).toBe(2);
    expect(scan.byPattern['No space left on device'].count).toBe(1);
    expect(scan.storageErrors.count).toBe(7);
    expect(scan.lockTimeouts.count).toBe(1);
    expect(scan.byPattern['Deadlock detected'].samples[0]).toContain('txn 12 aborted');
  });

  it('skips lines stamped before the window, in any ISO offset form journald or the file uses', () => {
    const old = new Date(now - 20 * 60_000);
    const lines = [
      `${old.toISOString()} ERROR x: No space left on device`,
      '2026-11-23T11:40:00+0000 host stemedb-api[12]: No space left on device',
      '2026-11-23T12:50:00+01:00 host stemedb-api[12]: No space left on device',
      '2026-11-23T11:50:00.123456+0000 host stemedb-api[12]: No space left on device',
      'no timestamp at all: No space left on device',
    ];
    const scan = scanLogLines(lines, since);
    expect(scan.byPattern['No space left on device'].count).toBe(3);
    expect(scan.linesInWindow).toBe(3);
    expect(scanLogLines(lines).byPattern['No space left on device'].count).toBe(5);
  });

  it('keeps the last three samples, cut to 300 characters', () => {
    const lines = Array.from({ length: 5 }, (_, i) => `${at(1)} ERROR line ${i} Deadlock detected ${'x'.repeat(400)}`);
    const samples = scanLogLines(lines, since).byPattern['Deadlock detected'].samples;
    expect(samples).toHaveLength(3);
    expect(samples[0]).toContain('line 2');
    expect(samples.every((s) => s.length === 301 && s.endsWith('…'))).toBe(true);
  });

  it('records when each pattern first and last appeared, and the last WAL rebuild', () => {
    const lines = [
      `${at(20)} ERROR x: Error: Corruption: block checksum mismatch`,
      `${at(9)} ERROR x: Error: Corruption: block checksum mismatch`,
      `${at(6)} ERROR stemedb_storage::lsm: WAL rebuild failed: Error: segment truncated`,
      `${at(5)} INFO stemedb_storage::lsm: rebuild complete: kv rebuilt from 25 WAL segments`,
      `${at(2)} ERROR x: Error: Corruption: block checksum mismatch`,
      'no timestamp: Error: Corruption: block checksum mismatch',
    ];
    const scan = scanLogLines(lines, since);
    expect(scan.byPattern['Corruption: block checksum mismatch']).toMatchObject({ count: 3, first: at(9), last: at(2) });
    expect(scan.byPattern['Deadlock detected']).toMatchObject({ count: 0, first: null, last: null });
    expect(scan.rebuild).toEqual({ completedAt: at(5), failedAt: null, line: lines[3] });
  });

  it('matches the runbook patterns exactly (case and wording)', () => {
    const scan = scanLogLines([`${at(1)} no space left on device`, `${at(1)} Deadlock detected`], since);
    expect(scan.byPattern['No space left on device'].count).toBe(0);
    expect(scan.byPattern['Deadlock detected'].count).toBe(1);
  });
});
