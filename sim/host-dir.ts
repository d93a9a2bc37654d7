import { chmodSync, mkdirSync, readdirSync, renameSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * A simulated node's host directory: real files that `df`, `du`, `find`, `ls` and `tail` can be run against,
 * plus stand-in `dmesg`/`smartctl`/`df` scripts that print state files the simulator rewrites.
 */
export interface HostPaths {
  dataDir: string;
  kvDir: string;
  walDir: string;
  logFile: string;
  binDir: string;
  /** Files the stand-ins print; rewritten when the scenario changes. */
  stateDir: string;
  dmesg: string;
  smartctl: string;
  /** `df` for the data dir: the simulated disk (full or not), not the test machine's. */
  df: string;
  uptimeFile: string;
}

/** Layout under `<baseDir>/<name>/` (absolute, because the bot's config requires absolute paths). */
export function hostPaths(baseDir: string, name: string): HostPaths {
  const dataDir = resolve(baseDir, name);
  return {
    dataDir,
    kvDir: join(dataDir, 'kv'),
    walDir: join(dataDir, 'wal'),
    logFile: join(dataDir, 'storage.log'),
    binDir: join(dataDir, 'bin'),
    stateDir: join(dataDir, '.sim'),
    dmesg: join(dataDir, 'bin', 'dmesg'),
    smartctl: join(dataDir, 'bin', 'smartctl'),
    df: join(dataDir, 'bin', 'df'),
    uptimeFile: join(dataDir, 'proc-uptime'),
  };
}

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Writes via a temporary file and rename, so a stand-in running at that moment never prints half a file. */
export function writeAtomic(path: string, content: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

/** Starts the directory afresh (a previous run's files are removed) with WAL segments and the stand-ins. */
export function prepareHostDir(p: HostPaths, nowMs: number, walSegments = 25): void {
  for (const sub of [p.kvDir, p.walDir, p.binDir, p.stateDir, p.logFile, p.uptimeFile]) rmSync(sub, { recursive: true, force: true });
  for (const dir of [p.kvDir, p.walDir, p.binDir, p.stateDir]) mkdirSync(dir, { recursive: true });
  for (let i = 1; i <= walSegments; i++) {
    const file = join(p.walDir, `segment.${String(i).padStart(6, '0')}.wal`);
    writeFileSync(file, Buffer.alloc(4096 + ((i * 977) % 4096), i));
    // One segment every 36 h: the oldest are past the runbook's 30-day archive rule, `ls -t` orders them.
    const mtime = new Date(nowMs - (walSegments - i) * 36 * 3_600_000);
    utimesSync(file, mtime, mtime);
  }
  const state = shellQuote(p.stateDir);
  writeScript(p.dmesg, `# StemeDB simulator stand-in for dmesg: prints the simulated kernel ring buffer.\nexec cat ${state}/dmesg.txt\n`);
  writeScript(
    p.df,
    [
      '# StemeDB simulator stand-in for df: the simulated data disk, in `df -P -B1` or (-i) `df -P -i` format.',
      'for arg in "$@"; do',
      `  case "$arg" in -i|--inodes) exec cat ${state}/df-inodes.txt ;; esac`,
      'done',
      `exec cat ${state}/df.txt`,
      '',
    ].join('\n'),
  );
  writeScript(
    p.smartctl,
    [
      '# StemeDB simulator stand-in for smartctl: -a/-x print everything, otherwise the -A attribute table.',
      'for arg in "$@"; do',
      `  case "$arg" in -a|-x|--all|--xall) exec cat ${state}/smartctl-all.txt ;; esac`,
      'done',
      `exec cat ${state}/smartctl-attributes.txt`,
      '',
    ].join('\n'),
  );
}

function writeScript(path: string, body: string): void {
  writeFileSync(path, `#!/bin/sh\n${body}`);
  chmodSync(path, 0o755);
}

/** SST file names in kv/, oldest (lowest number) first. */
export function listSstFiles(kvDir: string): string[] {
  return readdirSync(kvDir)
    .filter((f) => f.endsWith('.sst'))
    .sort();
}

/** Adds or removes (oldest first) SST files until kv/ holds exactly `count`. */
export function syncSstFiles(kvDir: string, count: number, nowMs: number): void {
  const files = listSstFiles(kvDir);
  if (files.length > count) {
    deleteOldestSst(kvDir, count);
    return;
  }
  let next = files.length ? Number.parseInt(files.at(-1)!, 10) + 1 : 1;
  for (let i = files.length; i < count; i++, next++) {
    const file = join(kvDir, `${String(next).padStart(6, '0')}.sst`);
    // A few KiB each: du shows sizes, the disk stays untouched. The nominal size is in the stats API.
    const body = Buffer.alloc(2048 + ((next * 613) % 2048), next % 251);
    Buffer.from('STEMEDB-SST\u0001').copy(body);
    writeFileSync(file, body);
    const mtime = new Date(nowMs - (count - i) * 60_000);
    utimesSync(file, mtime, mtime);
  }
}

/** Deletes the oldest SST files so that `keep` remain; returns how many went. */
export function deleteOldestSst(kvDir: string, keep: number): number {
  const files = listSstFiles(kvDir);
  const doomed = files.slice(0, Math.max(0, files.length - keep));
  for (const f of doomed) unlinkSync(join(kvDir, f));
  return doomed.length;
}
