import { describe, expect, it } from 'vitest';
import { runDemoShell as runShell } from '../harness/run-demo-shell';

describe('compact in the local shell', () => {
  it('shows the figures without --yes, compacts the simulator with it, and audits the run', async () => {
    const { code, stdout } = await runShell('compact stemedb-1\ncompact stemedb-1 --yes\naudit\nexit\n');
    expect(code).toBe(0);
    expect(stdout).toMatch(/Compact stemedb-1\? Figures read just now:\n• Node: stemedb-1/);
    expect(stdout).toContain('To go ahead, run: compact stemedb-1 --yes');
    expect(stdout).toMatch(/Compaction of stemedb-1 finished in [\d.]+s \(run by the local shell\)\n• SST files: 85 → 30/);
    // No alert in the shell's simulator (issue 10): nothing "cleared" that never fired.
    expect(stdout).toContain("Storage errors are below 1% of operations (the runbook's alert line; no alert is open for this node)");
    expect(stdout).toMatch(/local shell · compact stemedb-1 · succeeded in \d/);
    expect(stdout).not.toContain('▓');
  }, 90_000);
});
