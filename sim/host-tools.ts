import type { Rng } from './rng';

/**
 * Output of the host tools a test machine cannot provide (a failing disk's kernel log and SMART table), in the
 * tools' real formats so the bot parses the same text it will meet in production.
 */

const stamp = (seconds: number): string => {
  const [whole, frac] = seconds.toFixed(6).split('.');
  return `[${whole!.padStart(5, ' ')}.${frac}]`;
};

const BOOT_LINES = [
  'Linux version 6.1.0-13-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.55-1 (2023-09-29)',
  'Command line: BOOT_IMAGE=/boot/vmlinuz-6.1.0-13-amd64 root=UUID=5b0e8a4e-1f0c-4d7e-9c1a-2f5e3b9d7a61 ro quiet',
  'BIOS-provided physical RAM map:',
  'Memory: 32658212K/33448348K available (14343K kernel code, 2337K rwdata, 9012K rodata, 2820K init, 17320K bss)',
  'ata1: SATA link up 6.0 Gbps (SStatus 133 SControl 300)',
  'scsi 0:0:0:0: Direct-Access     ATA      WDC WD40EFRX-68N 0A82 PQ: 0 ANSI: 5',
  'sd 0:0:0:0: [sda] 7814037168 512-byte logical blocks: (4.00 TB/3.64 TiB)',
  "sd 0:0:0:0: [sda] Write cache: enabled, read cache: enabled, doesn't support DPO or FUA",
  ' sda: sda1',
  'sd 0:0:0:0: [sda] Attached SCSI disk',
  'EXT4-fs (sda1): mounted filesystem with ordered data mode. Quota mode: none.',
  'systemd[1]: Started stemedb-api.service - StemeDB API server.',
];

/**
 * `dmesg` in its default format (`[seconds.micros] message`); with `diskErrors`, bursts of SCSI and block
 * layer I/O errors on sda during the node's current uptime (so they show after a recent reboot too).
 */
export function renderDmesg(opts: { uptimeSeconds: number; diskErrors: boolean; rng: Rng }): string {
  const { uptimeSeconds, rng } = opts;
  const lines = BOOT_LINES.map((msg, i) => `${stamp(Math.min(0.4 * i, uptimeSeconds / 2))} ${msg}`);
  if (opts.diskErrors) {
    const from = Math.max(5, uptimeSeconds * 0.5);
    const bursts = 6;
    for (let b = 0; b < bursts; b++) {
      const at = from + ((uptimeSeconds - 2 - from) * (b + 1)) / bursts;
      const sector = rng.int(1_000_000, 900_000_000);
      const write = b % 2 === 0;
      const tag = rng.int(0, 31);
      const burst = [
        `sd 0:0:0:0: [sda] tag#${tag} FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_OK cmd_age=${rng.int(2, 9)}s`,
        `sd 0:0:0:0: [sda] tag#${tag} Sense Key : Medium Error [current]`,
        `sd 0:0:0:0: [sda] tag#${tag} Add. Sense: Unrecovered read error - auto reallocate failed`,
        `sd 0:0:0:0: [sda] tag#${tag} CDB: ${write ? 'Write(16) 8a' : 'Read(16) 88'} 00 00 00 00 00 ${sector
          .toString(16)
          .padStart(8, '0')
          .replace(/(..)(?!$)/g, '$1 ')} 00 00 00 08 00 00`,
        `blk_update_request: I/O error, dev sda, sector ${sector} op 0x${write ? '1:(WRITE)' : '0:(READ)'} flags 0x${write ? '800' : '80700'} phys_seg 1 prio class 0`,
        `Buffer I/O error on dev sda1, logical block ${Math.floor(sector / 8)}, ${write ? 'lost async page write' : 'async page read'}`,
      ];
      if (write)
        burst.push(
          `EXT4-fs warning (device sda1): ext4_end_bio:343: I/O error 10 writing to inode ${rng.int(100000, 999999)} starting block ${Math.floor(sector / 8)})`,
        );
      burst.forEach((msg, i) => lines.push(`${stamp(at + i * 0.000031)} ${msg}`));
    }
  }
  return `${lines.join('\n')}\n`;
}

interface SmartRow {
  id: number;
  name: string;
  flag: string;
  value: number;
  worst: number;
  thresh: number;
  type: 'Pre-fail' | 'Old_age';
  updated: 'Always' | 'Offline';
  raw: number;
}

function smartRows(failing: boolean, powerOnHours: number): SmartRow[] {
  const bad = (healthy: number, sick: number) => (failing ? sick : healthy);
  const row = (
    id: number,
    name: string,
    flag: string,
    value: number,
    worst: number,
    thresh: number,
    type: SmartRow['type'],
    updated: SmartRow['updated'],
    raw: number,
  ): SmartRow => ({ id, name, flag, value, worst, thresh, type, updated, raw });
  return [
    row(1, 'Raw_Read_Error_Rate', '0x002f', bad(200, 197), bad(200, 197), 51, 'Pre-fail', 'Always', bad(0, 1843)),
    row(3, 'Spin_Up_Time', '0x0027', 178, 176, 21, 'Pre-fail', 'Always', 6083),
    row(4, 'Start_Stop_Count', '0x0032', 100, 100, 0, 'Old_age', 'Always', 112),
    row(5, 'Reallocated_Sector_Ct', '0x0033', bad(200, 171), bad(200, 171), 140, 'Pre-fail', 'Always', bad(0, 312)),
    row(7, 'Seek_Error_Rate', '0x002e', 200, 200, 0, 'Old_age', 'Always', 0),
    row(9, 'Power_On_Hours', '0x0032', 87, 87, 0, 'Old_age', 'Always', powerOnHours),
    row(10, 'Spin_Retry_Count', '0x0032', 100, 253, 0, 'Old_age', 'Always', 0),
    row(12, 'Power_Cycle_Count', '0x0032', 100, 100, 0, 'Old_age', 'Always', 110),
    row(194, 'Temperature_Celsius', '0x0022', 114, 104, 0, 'Old_age', 'Always', 36),
    row(196, 'Reallocated_Event_Count', '0x0032', bad(200, 166), bad(200, 166), 0, 'Old_age', 'Always', bad(0, 34)),
    row(197, 'Current_Pending_Sector', '0x0032', 200, 200, 0, 'Old_age', 'Always', bad(0, 27)),
    row(198, 'Offline_Uncorrectable', '0x0030', bad(100, 200), 253, 0, 'Old_age', 'Offline', bad(0, 19)),
    row(199, 'UDMA_CRC_Error_Count', '0x0032', 200, 200, 0, 'Old_age', 'Always', 0),
    row(200, 'Multi_Zone_Error_Rate', '0x0008', 200, 200, 0, 'Old_age', 'Offline', 0),
  ];
}

const SMART_BANNER = [
  'smartctl 7.3 2022-02-28 r5338 [x86_64-linux-6.1.0-13-amd64] (local build)',
  'Copyright (C) 2002-22, Bruce Allen, Christian Franke, www.smartmontools.org',
  '',
];

/** The `=== START OF READ SMART DATA SECTION ===` attribute table, as `smartctl -A` prints it. */
export function renderSmartAttributes(failing: boolean, powerOnHours = 31_204): string {
  const fmt = (r: SmartRow) =>
    `${String(r.id).padStart(3)} ${r.name.padEnd(23)} ${r.flag}   ${String(r.value).padStart(3, '0')}   ${String(r.worst).padStart(3, '0')}   ${String(r.thresh).padStart(3, '0')}    ${r.type.padEnd(9)} ${r.updated.padEnd(8)}     -       ${r.raw}`;
  return [
    ...SMART_BANNER,
    '=== START OF READ SMART DATA SECTION ===',
    'SMART Attributes Data Structure revision number: 16',
    'Vendor Specific SMART Attributes with Thresholds:',
    'ID# ATTRIBUTE_NAME          FLAG     VALUE WORST THRESH TYPE      UPDATED  WHEN_FAILED RAW_VALUE',
    ...smartRows(failing, powerOnHours).map(fmt),
    '',
  ].join('\n');
}

/** `smartctl -a`: identity, overall health, then the attribute table. */
export function renderSmartAll(failing: boolean, powerOnHours = 31_204): string {
  const info = [
    '=== START OF INFORMATION SECTION ===',
    'Model Family:     Western Digital Red',
    'Device Model:     WDC WD40EFRX-68N32N0',
    'Serial Number:    WD-WCC7K4NLX7S1',
    'User Capacity:    4,000,787,030,016 bytes [4.00 TB]',
    'SMART support is: Available - device has SMART capability.',
    'SMART support is: Enabled',
    '',
    '=== START OF READ SMART DATA SECTION ===',
    'SMART overall-health self-assessment test result: PASSED',
    '',
  ];
  const attrs = renderSmartAttributes(failing, powerOnHours)
    .split('\n')
    .slice(SMART_BANNER.length + 1);
  return [...SMART_BANNER, ...info, ...attrs].join('\n');
}

/** The simulated data disk: 500 GB on /dev/sda1 mounted at the node's data dir. */
export const SIM_DISK_BYTES = 500e9;
const SIM_DISK_INODES = 30_531_584;

/**
 * `df -P -B1` and `df -P -i` of the data dir. Out of space: 0.3% free. Out of inodes: space to spare, no inode
 * left (small files filled the table). Otherwise the space a busy node keeps free.
 */
export function renderDf(opts: { mountpoint: string; full: 'space' | 'inodes' | null }): { space: string; inodes: string } {
  const free = opts.full === 'space' ? 0.003 : 0.46;
  const avail = Math.round(SIM_DISK_BYTES * free);
  const used = SIM_DISK_BYTES - avail;
  const freeInodes = opts.full === 'inodes' ? 0 : Math.round(SIM_DISK_INODES * 0.97);
  const usedInodes = SIM_DISK_INODES - freeInodes;
  const pct = (n: number, total: number) => `${Math.ceil((n / total) * 100)}%`;
  return {
    space: `Filesystem 1-blocks Used Available Capacity Mounted on\n/dev/sda1 ${SIM_DISK_BYTES} ${used} ${avail} ${pct(used, SIM_DISK_BYTES)} ${opts.mountpoint}\n`,
    inodes: `Filesystem Inodes IUsed IFree IUse% Mounted on\n/dev/sda1 ${SIM_DISK_INODES} ${usedInodes} ${freeInodes} ${pct(usedInodes, SIM_DISK_INODES)} ${opts.mountpoint}\n`,
  };
}
