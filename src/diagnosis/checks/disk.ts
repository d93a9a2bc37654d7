import type { HostCommandResult } from '../../exec/host-executor';
import { formatBytes, formatCount, formatPercent } from '../../render/format';
import { parseDf, parseDfInodes, type DiskUsage, type InodeUsage } from '../parsers/parse-df';
import { dmesgDenied, scanDmesg } from '../parsers/parse-dmesg';
import { parseSmartctl, parseUptime } from '../parsers/parse-smartctl';
import { THRESHOLDS } from '../thresholds';
import type { CheckStatus } from '../types';
import { partialOutcome, settle, type CheckEnv, type CheckOutcome } from './check';

type Part<T> = ({ available: true } & T) | { available: false; reason: string };

export type DiskData = {
  path: string;
  space: Part<DiskUsage>;
  /** `df -i` of the data dir (absent in results recorded before it was read). */
  inodes?: Part<InodeUsage>;
  dmesg: Part<{ ioErrors: number; samples: string[] }>;
  smart: Part<{ reallocatedSectors: number | null; pendingSectors: number | null }>;
  uptimeSeconds: number | null;
};

/** Step 3: free space of the data dir, kernel I/O errors, SMART sector counts. Each part may be unavailable. */
export async function diskCheck(env: CheckEnv): Promise<CheckOutcome<DiskData>> {
  const host = (id: 'df' | 'df_inodes' | 'dmesg' | 'smartctl' | 'uptime') => settle(env.sources.host(id));
  const [df, inodes, dmesg, smart, uptime] = await Promise.all([host('df'), host('df_inodes'), host('dmesg'), host('smartctl'), host('uptime')]);
  const data: DiskData = {
    path: env.sources.node.dataDir,
    space: 'value' in df ? readSpace(df.value) : { available: false, reason: df.reason },
    inodes: 'value' in inodes ? readInodes(inodes.value) : { available: false, reason: inodes.reason },
    dmesg: 'value' in dmesg ? readDmesg(dmesg.value) : { available: false, reason: dmesg.reason },
    smart: 'value' in smart ? readSmart(smart.value) : { available: false, reason: smart.reason },
    uptimeSeconds: 'value' in uptime && uptime.value.code === 0 ? parseUptime(uptime.value.stdout) : null,
  };
  return assessDisk(data);
}

function readSpace(r: HostCommandResult): DiskData['space'] {
  const usage = r.code === 0 ? parseDf(r.stdout) : undefined;
  return usage ? { available: true, ...usage } : { available: false, reason: `df failed: ${firstLine(r)}` };
}

function readInodes(r: HostCommandResult): NonNullable<DiskData['inodes']> {
  const usage = r.code === 0 ? parseDfInodes(r.stdout) : undefined;
  if (usage) return { available: true, ...usage };
  return { available: false, reason: r.code === 0 ? 'the filesystem reports no inode figures' : `df -i failed: ${firstLine(r)}` };
}

function readDmesg(r: HostCommandResult): DiskData['dmesg'] {
  if (r.code === 127) return { available: false, reason: 'dmesg is not installed' };
  if (r.code !== 0 || dmesgDenied(r.stdout)) return { available: false, reason: `dmesg could not read the kernel log: ${firstLine(r)}` };
  const scan = scanDmesg(r.stdout);
  return { available: true, ioErrors: scan.ioErrors, samples: scan.samples };
}

function readSmart(r: HostCommandResult): DiskData['smart'] {
  if (r.code === 127 || /not found/i.test(r.stdout.split('\n')[0] ?? '')) return { available: false, reason: 'smartctl is not installed' };
  // smartctl's exit status is a bit mask; bits 0-1 mean it could not read the device at all.
  if (r.code === null || (r.code & 0b11) !== 0) return { available: false, reason: `smartctl could not read the device: ${firstLine(r)}` };
  const attrs = parseSmartctl(r.stdout);
  if (attrs.reallocatedSectors === null && attrs.pendingSectors === null)
    return { available: false, reason: 'the drive reports neither Reallocated_Sector_Ct nor Current_Pending_Sector' };
  return { available: true, ...attrs };
}

function firstLine(r: HostCommandResult): string {
  if (r.timedOut) return 'timed out';
  return (r.stderr.trim() || r.stdout.trim()).split('\n')[0]?.slice(0, 200) || `exit ${r.code}`;
}

/** Pure: status and summary from the disk figures. */
export function assessDisk(data: DiskData): CheckOutcome<DiskData> {
  const statuses: CheckStatus[] = [];
  const parts: string[] = [];
  const unavailable: string[] = [];
  if (data.space.available) {
    const free = data.space.freeFraction;
    statuses.push(free < THRESHOLDS.diskFreeCritical ? 'critical' : free < THRESHOLDS.diskFreeWarning ? 'warning' : 'ok');
    parts.push(`${formatPercent(free, 1)} free (${formatBytes(data.space.availBytes)} of ${formatBytes(data.space.sizeBytes)})`);
  } else {
    statuses.push('unknown');
    unavailable.push(`disk space (${data.space.reason})`);
  }
  if (data.inodes?.available) {
    const free = data.inodes.freeFraction;
    statuses.push(free < THRESHOLDS.diskFreeCritical ? 'critical' : free < THRESHOLDS.diskFreeWarning ? 'warning' : 'ok');
    if (free < THRESHOLDS.diskFreeWarning)
      parts.push(`inodes ${formatPercent(free, 1)} free (${formatCount(data.inodes.freeInodes)} of ${formatCount(data.inodes.inodes)})`);
  }
  if (data.dmesg.available) {
    statuses.push(data.dmesg.ioErrors > 0 ? 'critical' : 'ok');
    parts.push(data.dmesg.ioErrors > 0 ? `${data.dmesg.ioErrors} kernel I/O error line(s)` : 'no kernel I/O errors');
  } else unavailable.push(`dmesg (${data.dmesg.reason})`);
  if (data.smart.available) {
    const bad = (data.smart.reallocatedSectors ?? 0) + (data.smart.pendingSectors ?? 0);
    statuses.push(bad > 0 ? 'warning' : 'ok');
    parts.push(`SMART reallocated ${data.smart.reallocatedSectors ?? 'n/a'}, pending ${data.smart.pendingSectors ?? 'n/a'}`);
  } else unavailable.push(`SMART (${data.smart.reason})`);
  return partialOutcome(statuses, parts, unavailable, data);
}
