import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { shellQuote } from '../../src/exec/shell-quote';

export interface HostileHost {
  /** Created by any injection that runs; must never exist. */
  marker: string;
  dataDir: string;
  logFile: string;
  hostTools: { dmesg: string; smartctl: string; smartDevice: string; uptimeFile: string };
  /** What the checks should read from it. */
  expected: { sstFiles: number; walSegments: number; deadlocks: number; noSpace: number; ioErrors: number; reallocated: number; uptimeSeconds: number };
}

/** A name that runs `touch <marker>` in five ways if it ever reaches a shell unquoted. */
export function hostileName(marker: string, label: string): string {
  return `it's ${label} $(touch ${marker}) \`touch ${marker}\`; touch ${marker} && "x" dir`;
}

/** Hostile names hold the marker's path, slashes included: their parents are directories to create. */
const write = (path: string, content: string | Buffer) => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
};
const sh = (path: string, body: string) => {
  write(path, `#!/bin/sh\n${body}`);
  chmodSync(path, 0o755);
};

/**
 * A host directory under `base` whose every configured path (data dir, log file, dmesg, smartctl, SMART
 * device, uptime file) is hostile, holding known contents the checks must read back.
 */
export function makeHostileHost(base: string): HostileHost {
  const marker = join(base, 'MARKER');
  const dataDir = join(base, hostileName(marker, 'data'));
  const expected = { sstFiles: 7, walSegments: 3, deadlocks: 2, noSpace: 3, ioErrors: 1, reallocated: 5, uptimeSeconds: 600 };
  mkdirSync(join(dataDir, 'kv'), { recursive: true });
  mkdirSync(join(dataDir, 'wal'), { recursive: true });
  for (let i = 1; i <= expected.sstFiles; i++) writeFileSync(join(dataDir, 'kv', `${String(i).padStart(6, '0')}.sst`), Buffer.alloc(1024, i));
  for (let i = 1; i <= expected.walSegments; i++) writeFileSync(join(dataDir, 'wal', `segment.${String(i).padStart(6, '0')}.wal`), Buffer.alloc(512, i));
  const logFile = join(dataDir, `storage '${hostileName(marker, 'log')}'.log`);
  const now = new Date().toISOString();
  write(
    logFile,
    [
      ...Array.from({ length: expected.deadlocks }, (_, i) => `${now} ERROR stemedb_storage::kv: txn ${i} aborted: Error: Deadlock detected in KV store`),
      ...Array.from({ length: expected.noSpace }, () => `${now} ERROR stemedb_storage::kv: put failed: IO error: No space left on device`),
      `${now} INFO stemedb_api::http: request completed status=201`,
      '',
    ].join('\n'),
  );
  const bin = join(base, hostileName(marker, 'bin'));
  mkdirSync(bin, { recursive: true });
  const dmesg = join(bin, "dmesg's");
  sh(dmesg, `echo '[  0.000000] Linux version 6.1.0'\necho '[  590.100000] blk_update_request: I/O error, dev sda, sector 12'\n`);
  const smartctl = join(bin, 'smartctl $(touch x)');
  const smartDevice = `/dev/sd'a $(touch ${marker})`;
  // Fails (exit 1: "could not read the device") unless the device arrived as one intact argument.
  sh(
    smartctl,
    [
      `[ "$#" = 2 ] && [ "$1" = -A ] && [ "$2" = ${shellQuote(smartDevice)} ] || { echo "unexpected arguments: $*"; exit 1; }`,
      "echo 'ID# ATTRIBUTE_NAME          FLAG     VALUE WORST THRESH TYPE      UPDATED  WHEN_FAILED RAW_VALUE'",
      `echo '  5 Reallocated_Sector_Ct   0x0033   171   171   140    Pre-fail  Always       -       ${expected.reallocated}'`,
      "echo '197 Current_Pending_Sector  0x0032   200   200   000    Old_age   Always       -       0'",
      '',
    ].join('\n'),
  );
  const uptimeFile = join(dataDir, `uptime "${hostileName(marker, 'proc')}"`);
  write(uptimeFile, `${expected.uptimeSeconds}.00 1000.00\n`);
  return { marker, dataDir, logFile, hostTools: { dmesg, smartctl, smartDevice, uptimeFile }, expected };
}
