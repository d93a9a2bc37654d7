import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config';
import type { NodeConfig } from '../../src/config/schema';
import { logsCheck, type LogsData } from '../../src/diagnosis/checks/logs';
import { locksCheck, type LocksData } from '../../src/diagnosis/checks/locks';
import { createDiagnosisSources } from '../../src/diagnosis/diagnosis-sources';
import type { HostCommand, HostCommandResult, HostExecutor } from '../../src/exec/host-executor';
import { resolveMetricNames } from '../../src/stemedb/metric-names';
import { StemedbClient } from '../../src/stemedb/stemedb-client';

const NOW = new Date('2026-11-23T12:00:00Z');

/** A host whose commands print canned output, recording what it was asked to run (journald cannot run here). */
function cannedHost(stdout: string, code = 0): { executor: HostExecutor; scripts: string[] } {
  const scripts: string[] = [];
  const executor: HostExecutor = {
    connect: async () => ({
      run: async (command: HostCommand): Promise<HostCommandResult> => {
        scripts.push(command.script);
        return { id: command.id, code, stdout, stderr: '', truncated: false, timedOut: false, durationMs: 1 };
      },
      close: async () => undefined,
    }),
  };
  return { executor, scripts };
}

function envFor(executor: HostExecutor) {
  const node: NodeConfig = parseConfig(
    {
      stemedb: {
        nodes: [
          {
            name: 'stemedb-1',
            apiUrl: 'http://127.0.0.1:9',
            logs: { journald: 'stemedb-api' },
            ssh: { host: 'db1', username: 'diag', privateKeyPath: '/k', hostKeySha256: `SHA256:${'A'.repeat(43)}` },
          },
        ],
      },
    },
    't',
  ).stemedb.nodes[0]!;
  // The client is never called: only host commands are read here.
  const client = new StemedbClient({ nodeName: node.name, apiUrl: node.apiUrl, timeoutMs: 100 });
  const sources = createDiagnosisSources({ node, client, executor, sampleSeconds: 0.1, logWindowMinutes: 15, commandTimeoutMs: 1000 });
  return { sources, now: NOW, metricNames: resolveMetricNames({}), logWindowMinutes: 15, recentRebootMinutes: 60 };
}

describe('the logs check on a journald node', () => {
  it('asks journalctl for the unit and the window, and counts what it prints', async () => {
    const journal = [
      '2026-11-23T11:30:00+0000 db1 stemedb-api[812]: ERROR stemedb_storage::kv: put failed: Error: Deadlock detected in KV store',
      '2026-11-23T11:58:00+0000 db1 stemedb-api[812]: ERROR stemedb_storage::kv: put failed: Error: Failed to acquire write lock within timeout',
      '2026-11-23T11:59:00+0000 db1 stemedb-api[812]: ERROR stemedb_storage::kv: txn 7 aborted: Error: Deadlock detected in KV store',
    ].join('\n');
    const { executor, scripts } = cannedHost(journal);
    const outcome = await logsCheck(envFor(executor));
    expect(scripts[0]).toBe(`journalctl -u 'stemedb-api' --since '15 min ago' --no-pager -o short-iso 2>&1 | tail -n 5000 | cut -c1-400`);
    expect(outcome.status).toBe('critical');
    expect(outcome.data).toMatchObject({
      source: 'journald',
      linesInWindow: 2,
      patterns: { 'Deadlock detected': 1, 'Failed to acquire write lock within timeout': 1 },
    } satisfies Partial<LogsData>);
  });

  it('reads the log once for both the logs and the locks checks', async () => {
    const { executor, scripts } = cannedHost('-- No entries --');
    const env = envFor(executor);
    const [logs] = await Promise.all([logsCheck(env), locksCheck(env).catch(() => undefined)]);
    expect(logs.status).toBe('ok');
    expect(scripts).toHaveLength(1);
    await env.sources.close();
  });

  it('fails, saying what to do, when the user may not read the system journal instead of calling the log clean', async () => {
    const { executor } = cannedHost(
      "Hint: You are currently not seeing messages from other users and the system.\n      Users in groups 'adm', 'systemd-journal' can see all messages.\n      Pass -q to turn off this notice.\n-- No entries --",
    );
    await expect(logsCheck(envFor(executor))).rejects.toThrow('add the SSH user to the systemd-journal (or adm) group');
  });

  it('lets the locks check report the rest when the log cannot be read', async () => {
    const { executor } = cannedHost('', 1);
    const env = envFor(executor);
    const outcome = await locksCheck(env);
    const data = outcome.data as LocksData;
    expect(data.lockTimeouts).toBeNull();
    expect(data.unavailable.join('\n')).toContain('lock log lines (reading the log failed');
    await env.sources.close();
  });
});
