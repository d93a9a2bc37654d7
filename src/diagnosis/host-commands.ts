import type { NodeConfig } from '../config/schema';
import { shellQuote } from '../exec/shell-quote';
import type { HostCommand } from '../exec/host-executor';

/** Each remote command's output is capped: a runaway log never fills the bot's memory. */
const MAX_OUTPUT_BYTES = 512 * 1024;
/** The cap keeps the start of the output, so log lines are cut to bound 5,000 lines well under it. */
const MAX_LOG_BYTES = 2_500_000;
const LOG_LINES = 5000;

export type HostCommandId = 'logs' | 'df' | 'df_inodes' | 'dmesg' | 'smartctl' | 'uptime' | 'sst_count' | 'sizes' | 'wal_segments';

/**
 * The only commands the bot ever runs on a host: fixed, read-only templates. Config values (paths, unit,
 * tool names) are shell-quoted; nothing a user typed reaches them.
 */
export function hostCommands(node: NodeConfig, options: { logWindowMinutes: number; timeoutMs: number }): Record<HostCommandId, HostCommand> {
  const q = shellQuote;
  const kv = `${node.dataDir}/kv`;
  const wal = `${node.dataDir}/wal`;
  const { dmesg, df, smartctl, smartDevice, uptimeFile } = node.hostTools;
  const logs =
    'journald' in node.logs
      ? `journalctl -u ${q(node.logs.journald)} --since ${q(`${options.logWindowMinutes} min ago`)} --no-pager -o short-iso 2>&1 | tail -n ${LOG_LINES} | cut -c1-400`
      : `tail -n ${LOG_LINES} ${q(node.logs.file)} | cut -c1-400`;
  const scripts: Record<HostCommandId, string> = {
    logs,
    df: `${q(df)} -P -B1 ${q(node.dataDir)}`,
    // "No space left on device" with free bytes left means the inodes ran out.
    df_inodes: `${q(df)} -P -i ${q(node.dataDir)}`,
    // dmesg's own exit status matters (permission denied vs no errors), so keep it past the pipe.
    dmesg: `out=$(${q(dmesg)} 2>&1); rc=$?; printf '%s\\n' "$out" | tail -n 3000; exit $rc`,
    smartctl: `${q(smartctl)} -A ${q(smartDevice)} 2>&1`,
    uptime: `cat ${q(uptimeFile)}`,
    // `cd` first: a missing or unreadable dir must fail, not count as 0 files through `| wc -l` (which exits 0).
    sst_count: `cd ${q(kv)} && find . -maxdepth 1 -type f -name '*.sst' | wc -l`,
    sizes: `du -sb ${q(kv)} ${q(wal)}`,
    wal_segments: `cd ${q(wal)} && find . -maxdepth 1 -type f -name 'segment.*.wal*' | wc -l`,
  };
  return Object.fromEntries(
    Object.entries(scripts).map(([id, script]) => [
      id,
      { id, script, timeoutMs: options.timeoutMs, maxOutputBytes: id === 'logs' ? MAX_LOG_BYTES : MAX_OUTPUT_BYTES },
    ]),
  ) as Record<HostCommandId, HostCommand>;
}

/**
 * The newest entry in the node's `backupDir` as `<mtime seconds> <name>` (GNU find), or nothing for an empty
 * dir; `cd` first so a missing or unreadable dir fails instead of printing nothing. Undefined without a backupDir.
 */
export function snapshotCommand(node: NodeConfig, timeoutMs: number): HostCommand | undefined {
  if (!node.backupDir) return undefined;
  const script = `cd ${shellQuote(node.backupDir)} && find . -mindepth 1 -maxdepth 1 -printf '%T@ %f\\n' | sort -n | tail -n 1`;
  return { id: 'snapshot_newest', script, timeoutMs, maxOutputBytes: 64 * 1024 };
}
