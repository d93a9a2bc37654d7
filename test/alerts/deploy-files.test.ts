import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { WEBHOOK_PATH } from '../../src/alerts/alertmanager-route';

const DEPLOY = join(import.meta.dirname, '../../deploy');
const PROMTOOL = '/usr/bin/promtool';
const AMTOOL = '/usr/bin/amtool';
const SYSTEMD_ANALYZE = '/usr/bin/systemd-analyze';
/** CI installs prometheus and prometheus-alertmanager (which bring promtool and amtool): there they must run. */
const tools = existsSync(PROMTOOL) && existsSync(AMTOOL);

describe('deploy/ files', () => {
  it.runIf(tools || process.env.CI)('has valid Prometheus rules that fire as the runbook says (promtool unit tests)', () => {
    execFileSync(PROMTOOL, ['check', 'rules', 'stemedb-alerts.yml'], { cwd: join(DEPLOY, 'prometheus') });
    const out = execFileSync(PROMTOOL, ['test', 'rules', 'stemedb-alerts.test.yml'], { cwd: join(DEPLOY, 'prometheus') }).toString();
    expect(out).toContain('SUCCESS');
  });

  it.runIf(tools || process.env.CI)('has an Alertmanager receiver amtool accepts', () => {
    const out = execFileSync(AMTOOL, ['check-config', join(DEPLOY, 'alertmanager/stemedb-chatops-receiver.yml')]).toString();
    expect(out).toContain('SUCCESS');
  });

  it('points the receiver at the webhook with a bearer token, resolved notifications and max_alerts', () => {
    const doc = parse(readFileSync(join(DEPLOY, 'alertmanager/stemedb-chatops-receiver.yml'), 'utf8')) as {
      receivers: {
        name: string;
        webhook_configs: { url: string; send_resolved: boolean; max_alerts: number; http_config: { authorization: { credentials: string } } }[];
      }[];
    };
    const hook = doc.receivers.find((r) => r.name === 'stemedb-chatops')!.webhook_configs[0]!;
    expect(new URL(hook.url).pathname).toBe(WEBHOOK_PATH);
    expect(hook.send_resolved).toBe(true);
    expect(hook.max_alerts).toBeGreaterThan(0);
    expect(hook.http_config.authorization.credentials.length).toBeGreaterThanOrEqual(16);
  });

  it('names the runbook alerts with the runbook thresholds', () => {
    const doc = parse(readFileSync(join(DEPLOY, 'prometheus/stemedb-alerts.yml'), 'utf8')) as {
      groups: { rules: { alert: string; expr: string; for?: string }[] }[];
    };
    const rules = Object.fromEntries(doc.groups.flatMap((g) => g.rules).map((r) => [r.alert, r]));
    expect(Object.keys(rules).sort()).toEqual(['DiskIOErrors', 'DiskSpaceWarning', 'HighStorageErrorRate', 'LSMCompactionLag']);
    expect(rules.HighStorageErrorRate).toMatchObject({ for: '5m' });
    expect(rules.HighStorageErrorRate!.expr).toMatch(/stemedb_storage_operation_errors_total[\s\S]*stemedb_storage_operations_total[\s\S]*> 0\.01/);
    expect(rules.LSMCompactionLag).toMatchObject({ for: '15m' });
    expect(rules.DiskSpaceWarning).toMatchObject({ for: '10m' });
  });

  it.runIf(existsSync(SYSTEMD_ANALYZE))('has a systemd unit systemd-analyze finds nothing wrong with', () => {
    const result = spawnSync(SYSTEMD_ANALYZE, ['verify', join(DEPLOY, 'systemd/stemedb-chatops.service')], { encoding: 'utf8' });
    expect(result.stderr.split('\n').filter((l) => l.includes('stemedb-chatops.service'))).toEqual([]);
  });
});
