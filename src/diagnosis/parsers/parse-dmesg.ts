/**
 * Kernel lines that mean a disk I/O failure: the runbook's `grep -i "i/o error"` and `grep -i "sd[a-z].*error"`,
 * with "error" as a word: ext4's mount line `EXT4-fs (sda1): ... errors=remount-ro` is printed
 * at every boot of a healthy Debian/Ubuntu host and is no I/O error.
 */
const IO_ERROR = /i\/o error|sd[a-z].*\berror\b/i;
const SAMPLES_KEPT = 3;

export interface DmesgScan {
  ioErrors: number;
  samples: string[];
  /** Seconds since boot of the newest I/O error line, when dmesg printed timestamps. */
  lastErrorAtSeconds: number | null;
}

/** Counts disk I/O error lines in `dmesg` output and keeps the last few. */
export function scanDmesg(output: string): DmesgScan {
  const scan: DmesgScan = { ioErrors: 0, samples: [], lastErrorAtSeconds: null };
  for (const line of output.split('\n')) {
    if (!IO_ERROR.test(line)) continue;
    scan.ioErrors++;
    scan.samples.push(line.trim().slice(0, 300));
    if (scan.samples.length > SAMPLES_KEPT) scan.samples.shift();
    const stamp = /^\[\s*(\d+(?:\.\d+)?)\]/.exec(line.trim());
    if (stamp) scan.lastErrorAtSeconds = Number(stamp[1]);
  }
  return scan;
}

/** Messages dmesg prints when it may not read the kernel log (e.g. `kernel.dmesg_restrict`). */
export function dmesgDenied(output: string): boolean {
  return /read kernel buffer failed|Operation not permitted|Permission denied/i.test(output);
}
