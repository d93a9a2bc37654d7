export interface DiskUsage {
  filesystem: string;
  sizeBytes: number;
  usedBytes: number;
  availBytes: number;
  /** Available / size, as the runbook's DiskSpaceWarning computes it (0.2 = 20%). */
  freeFraction: number;
  mountpoint: string;
}

/**
 * Parses `df -P -B1 <path>` (POSIX format, 1-byte blocks): a header and one line per filesystem.
 * @example parseDf('Filesystem 1-blocks Used Available Capacity Mounted on\n/dev/sdb1 1000 900 100 90% /var/lib/stemedb')
 */
export function parseDf(output: string): DiskUsage | undefined {
  const lines = output
    .trim()
    .split('\n')
    .filter((l) => l.trim() !== '');
  const last = lines.at(-1);
  if (lines.length < 2 || !last) return undefined;
  const fields = last.trim().split(/\s+/);
  if (fields.length < 6) return undefined;
  const [filesystem, size, used, avail] = fields;
  const sizeBytes = Number(size);
  const usedBytes = Number(used);
  const availBytes = Number(avail);
  if (![sizeBytes, usedBytes, availBytes].every(Number.isFinite) || sizeBytes <= 0) return undefined;
  return { filesystem: filesystem!, sizeBytes, usedBytes, availBytes, freeFraction: availBytes / sizeBytes, mountpoint: fields.slice(5).join(' ') };
}

export interface InodeUsage {
  inodes: number;
  usedInodes: number;
  freeInodes: number;
  /** Free / total (0 when none are left). */
  freeFraction: number;
}

/**
 * Parses `df -P -i <path>`: Filesystem, Inodes, IUsed, IFree, IUse%, Mounted on. A filesystem without a fixed
 * inode table (btrfs, some network mounts) reports 0 inodes: that is no figure, not exhaustion.
 * @example parseDfInodes('Filesystem Inodes IUsed IFree IUse% Mounted on\n/dev/sdb1 1000 1000 0 100% /var/lib/stemedb')
 */
export function parseDfInodes(output: string): InodeUsage | undefined {
  const last = output
    .trim()
    .split('\n')
    .filter((l) => l.trim() !== '')
    .at(-1);
  const fields = last?.trim().split(/\s+/) ?? [];
  if (fields.length < 6 || !/^\d+$/.test(fields[1] ?? '')) return undefined;
  const [inodes, usedInodes, freeInodes] = fields.slice(1, 4).map(Number) as [number, number, number];
  if (![inodes, usedInodes, freeInodes].every(Number.isFinite) || inodes <= 0) return undefined;
  return { inodes, usedInodes, freeInodes, freeFraction: freeInodes / inodes };
}
