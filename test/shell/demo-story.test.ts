import { describe, expect, it } from 'vitest';
import { runDemoShell as runShell } from '../harness/run-demo-shell';

/** Issue 9 item 8 (and 7): the demo's disk-full node tells one story in the diagnosis and the compaction confirmation. */
describe('the local demo tells one consistent story', () => {
  it('shows stemedb-1 with a full disk in step 3, as its log evidence and the compaction confirmation say', async () => {
    const { code, stdout } = await runShell('diagnose stemedb-1\ncompact stemedb-1\nexit\n');
    expect(code).toBe(0);
    expect(stdout).toMatch(/\[CRIT\] 3\. Disk health: 0\.3% free \(1\.5 GB of 500 GB\)/);
    expect(stdout).toMatch(
      /Evidence for disk space exhausted:\n {2}- 1\d{3} log line\(s\) "No space left on device"[^\n]*\n {2}- data dir 0\.3% free \(1\.5 GB left\)/,
    );
    expect(stdout).toContain('• Disk free: 0.3% (1.5 GB of 500 GB)');
    expect(stdout).toContain('• Backup: snapshot the KV store before compacting (runbook: always back up before a manual compaction)');
    expect(stdout).toContain('only 0.3% free (1.5 GB of 500 GB): a compaction writes merged SST files');
  }, 90_000);
  it('after a compaction shows the disk freed, a warning rather than critical, and no second round of freeing space', async () => {
    const { code, stdout } = await runShell('compact stemedb-1 --yes\ndiagnose stemedb-1\nexit\n');
    expect(code).toBe(0);
    const diagnosis = stdout.slice(stdout.indexOf('stemedb-1: disk space exhausted'));
    expect(diagnosis).toMatch(/^stemedb-1: disk space exhausted \(warning\)/);
    expect(diagnosis).toMatch(/\[ok\]\s+3\. Disk health: 46\.0% free \(230 GB of 500 GB\)/);
    expect(diagnosis).toMatch(/recovering if no new lines for 5 min/);
    expect(diagnosis).not.toMatch(/gzip|storage\/compact/);
  }, 90_000);
});
