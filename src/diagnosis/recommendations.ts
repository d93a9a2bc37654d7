import type { NodeConfig } from '../config/schema';
import { shellQuote } from '../exec/shell-quote';
import type { Cause, Recommendation, Verdict } from './types';

/** A path as a responder would paste it: quoted only when it needs to be. */
function p(path: string): string {
  return /^[A-Za-z0-9_./@:-]+$/.test(path) ? path : shellQuote(path);
}

/**
 * The runbook's resolution steps for each cause of the verdict, with this node's data dir, WAL path, unit
 * and API filled in, and the bot action that applies. Pure.
 */
export function recommendationsFor(verdict: Verdict, node: NodeConfig): Recommendation[] {
  const recs = verdict.causes.flatMap((c) => stepsFor(c.cause, node));
  if (verdict.escalate && !recs.some((r) => r.action === 'escalate')) {
    recs.push({ title: 'Escalate now (runbook: escalate immediately)', steps: verdict.escalateReasons, action: 'escalate' });
  }
  return recs;
}

function stepsFor(cause: Cause, node: NodeConfig): Recommendation[] {
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
            `systemctl stop ${unit} && umount ${p(data)} && fsck -y <device> && mount ${p(data)} && systemctl start ${unit}   # requires downtime`,
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
    case 'unknown':
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
