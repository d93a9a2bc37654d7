import type { NodeConfig } from '../config/schema';
import { shellQuote } from '../exec/shell-quote';
import type { DiskUsage } from './parsers/parse-df';
import { THRESHOLDS } from './thresholds';
import type { CauseFinding, Recommendation, Verdict } from './types';
import { notCheckedText } from './not-checked';

/** What the steps may fill in beyond the node's config: the device and mount point `df` reported. */
export interface RecommendationFacts {
  space?: DiskUsage;
  /** Free inodes as a fraction (`df -i`), when read. */
  inodesFree?: number;
  /** The error rate measured now. */
  errorRate?: number | null;
}

/** The runbook neither compacts a corrupted store nor a failing disk: compaction rewrites every table on it. */
const NO_COMPACTION: ReadonlySet<string> = new Set(['lsm_corruption', 'disk_hardware']);

/** A path as a responder would paste it: quoted only when it needs to be. */
function p(path: string): string {
  return /^[A-Za-z0-9_./@:-]+$/.test(path) ? path : shellQuote(path);
}

/**
 * The runbook's resolution steps for each cause of the verdict, with this node's data dir, WAL path, unit
 * and API filled in, and the bot action that applies. Pure.
 */
export function recommendationsFor(verdict: Verdict, node: NodeConfig, facts: RecommendationFacts = {}): Recommendation[] {
  const blocker = verdict.causes.find((c) => NO_COMPACTION.has(c.cause));
  const recs = verdict.causes
    .flatMap((c) => stepsFor(c, node, facts, verdict))
    .map((r) => (blocker && r.action === 'compact' ? withoutCompaction(r, blocker) : r));
  if (verdict.escalate && !recs.some((r) => r.action === 'escalate')) {
    recs.push({ title: 'Escalate now (runbook: escalate immediately)', steps: verdict.escalateReasons, action: 'escalate' });
  }
  return recs;
}

/** A compaction step under a corruption or failing-disk verdict becomes a warning not to compact. */
function withoutCompaction(rec: Recommendation, blocker: CauseFinding): Recommendation {
  const why =
    blocker.cause === 'lsm_corruption'
      ? 'the LSM tree is corrupted (rebuild it from WAL first)'
      : 'the disk is suspected to be failing (verify and fail over first)';
  return {
    title: `${rec.title.split(':')[0]}: do not compact now`,
    steps: [...rec.steps.filter((s) => !/compact/i.test(s)), `Do not compact while ${why}: a compaction rewrites every table on this store.`],
  };
}

function stepsFor(finding: CauseFinding, node: NodeConfig, facts: RecommendationFacts, verdict: Verdict): Recommendation[] {
  const cause = finding.cause;
  const data = node.dataDir;
  const wal = `${data}/wal`;
  const kv = `${data}/kv`;
  const unit = node.unit;
  // The API URL is pasted into commands too; quoted when it holds anything a shell would act on.
  const api = (path: string) => p(`${node.apiUrl}${path}`);
  const journal = 'journald' in node.logs ? `journalctl -u ${node.logs.journald}` : `cat ${p(node.logs.file)}`;
  const follow = 'journald' in node.logs ? `journalctl -u ${node.logs.journald} -f` : `tail -F ${p(node.logs.file)}`;
  switch (cause) {
    case 'disk_full':
      // Recovering, or errors under 1% with room again (bytes and inodes): confirm; do not free space or compact again.
      if (finding.recovering || hasRoom(facts)) {
        return [
          {
            title: finding.recovering
              ? 'Disk space exhausted, now recovering: confirm it stays that way'
              : 'Disk space exhausted earlier, room again now: confirm no new "No space" lines',
            steps: [
              `df -h ${p(data)}; df -i ${p(data)}   # free space and inodes now`,
              `${follow} | grep -E "No space left on device|compaction"   # no new "No space" lines`,
              `ls -t ${p(wal)}/segment.*.wal | tail -n +20   # old WAL segments to archive (runbook: older than 30 days) before it fills again`,
            ],
          },
        ];
      }
      return [
        {
          title: 'Disk space exhausted: free space, then compact',
          steps: [
            `cd ${p(wal)} && gzip $(ls -t segment.*.wal | tail -n +20)   # compress old WAL segments`,
            `mkdir -p /backup/wal-$(date +%Y%m%d) && mv ${p(wal)}/segment.00[0-5]*.wal /backup/wal-$(date +%Y%m%d)/   # or move them to backup`,
            `curl -X POST ${api('/v1/admin/storage/compact')} -H 'Content-Type: application/json' -d '{"force": true}'   # or the Compact button`,
            `${follow} | grep compaction   # monitor progress`,
          ],
          action: 'compact',
        },
      ];
    case 'disk_hardware':
      return [
        {
          title: 'Disk hardware failure suspected: verify, fsck (downtime), fail over',
          steps: [
            `dmesg | grep -i "sd[a-z].*error"   # verify I/O errors`,
            ...fsckSteps(node, facts.space),
            'If the hardware is failing, fail over: docs/operations/runbooks/failover-to-replica.md',
          ],
          action: 'escalate',
        },
      ];
    case 'lsm_corruption':
      return [
        {
          title: 'LSM tree corruption: rebuild from WAL',
          steps: [
            `systemctl stop ${unit}`,
            `mv ${p(kv)} ${p(kv)}.corrupted.$(date +%Y%m%d)   # back up the corrupted KV store`,
            `stemedb-api --rebuild-from-wal --wal-path ${p(wal)} --kv-path ${p(kv)}`,
            `systemctl start ${unit}`,
            `${journal} | grep -i "rebuild complete"; curl -s ${api('/metrics')} | grep assertions_indexed_total   # verify`,
            'If the rebuild fails, restore from backup: docs/operations/runbooks/restore-from-backup.md',
          ],
          action: 'escalate',
        },
      ];
    case 'lock_contention':
      return [
        {
          title: 'Lock contention: find long-running transactions',
          steps: [
            `curl -s ${api('/v1/admin/slow-queries')} | jq   # or the Slow queries button`,
            `Raise the lock timeout temporarily: systemctl stop ${unit}; in /etc/stemedb/api.toml set [storage] lock_timeout_ms = 10000 (default 5000); systemctl start ${unit}`,
            `curl -s ${api('/metrics')} | grep lock_wait_duration   # monitor lock acquisition time`,
          ],
          action: 'slow_queries',
        },
      ];
    case 'compaction_lag':
      return [
        {
          title: 'Compaction falling behind: compact manually',
          steps: [
            'Snapshot the KV store before a manual compaction (runbook: backup before major operations)',
            `curl -X POST ${api('/v1/admin/storage/compact')} -H 'Content-Type: application/json' -d '{"force": true}'   # or the Compact button`,
            `${follow} | grep compaction   # monitor progress`,
            'Prevention: [storage] enable_auto_compaction = true, compaction_trigger_mb = 1024 in /etc/stemedb/api.toml',
          ],
          action: 'compact',
        },
      ];
    case 'api_unresponsive':
      return [
        {
          title: 'StemeDB API not answering: see whether the process is up, hung or restarting',
          steps: [
            `systemctl status ${unit} --no-pager   # running, restarting, or failed?`,
            `curl -sS -m 5 -o /dev/null -w '%{http_code} %{time_total}s\\n' ${api('/metrics')}   # does it answer now?`,
            `${journal} | tail -n 200   # what it logged before it stopped answering`,
            `If it is hung (running but not answering): systemctl restart ${unit}, then run the diagnosis again`,
          ],
          action: 'escalate',
        },
      ];
    case 'unknown':
      if ((verdict.notChecked?.length ?? 0) > 0 && !verdict.causes.some((c) => c.evidence.some((e) => e.includes('no runbook pattern matched')))) {
        return [
          {
            title: 'Not verified: restore what the bot could not read, then run again',
            steps: [
              `Could not be checked: ${notCheckedText(verdict.notChecked!)}`,
              `curl -s ${api('/metrics')} | grep -E "stemedb_storage_operation(_error)?s_total"   # the error counters, by hand`,
              `${journal} | grep -iE "storage.*error|No space|Input/output|Corruption|lock"   # the runbook's log patterns`,
              `df -h ${p(data)}; df -i ${p(data)}   # disk space and inodes`,
            ],
          },
        ];
      }
      return [
        {
          title: 'Errors persist without a known cause: debug logging, then escalate with logs',
          steps: [
            `In /etc/stemedb/api.toml set [logging] level = "debug", then systemctl restart ${unit}`,
            `journalctl -u ${unit} -f --output=json | jq 'select(.level=="ERROR")'   # capture the error trace`,
            'Escalate with logs and metrics for the engineering team',
          ],
          action: 'escalate',
        },
      ];
    case 'healthy':
      return [];
  }
}

function hasRoom(facts: RecommendationFacts): boolean {
  const calm = facts.errorRate !== undefined && facts.errorRate !== null && facts.errorRate <= THRESHOLDS.errorRateCritical;
  return calm && Boolean(facts.space && facts.space.freeFraction >= THRESHOLDS.diskFreeWarning && (facts.inodesFree ?? 1) >= THRESHOLDS.diskFreeWarning);
}

/**
 * fsck of the data dir's filesystem, one command per line, with the device and mount point `df` reported:
 * a pasted line never runs half of a chain around a placeholder.
 */
function fsckSteps(node: NodeConfig, space: DiskUsage | undefined): string[] {
  const stop = `systemctl stop ${node.unit}   # fsck requires downtime`;
  const start = `systemctl start ${node.unit}`;
  if (!space) {
    return [
      `findmnt -no SOURCE,TARGET --target ${p(node.dataDir)}   # the device and mount point of the data dir (df could not be read)`,
      stop,
      'umount <mount point>',
      'fsck -y <device>',
      'mount <mount point>',
      start,
    ];
  }
  if (space.mountpoint === '/') return [`The data dir is on the root filesystem (${space.filesystem}): fsck it from a rescue boot, after failing over.`];
  return [stop, `umount ${p(space.mountpoint)}`, `fsck -y ${p(space.filesystem)}`, `mount ${p(space.mountpoint)}`, start];
}
