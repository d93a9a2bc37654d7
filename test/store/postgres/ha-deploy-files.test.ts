import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const DEPLOY = join(import.meta.dirname, '../../../deploy');
const PROMTOOL = '/usr/bin/promtool';
const SYSTEMD_ANALYZE = '/usr/bin/systemd-analyze';

describe('HA deploy files', () => {
  // CI installs prometheus (which brings promtool): there the rules must be checked.
  it.runIf(existsSync(PROMTOOL) || process.env.CI)('has bot-health rules promtool accepts and whose unit tests pass', () => {
    const cwd = join(DEPLOY, 'prometheus');
    const check = execFileSync(PROMTOOL, ['check', 'rules', 'stemedb-chatops-health.yml'], { cwd }).toString();
    expect(check).toContain('SUCCESS: 6 rules found');
    const out = execFileSync(PROMTOOL, ['test', 'rules', 'stemedb-chatops-health.test.yml'], { cwd }).toString();
    expect(out).toContain('SUCCESS');
  });

  it('alerts on a replica down, the whole bot down, the auditor heartbeat, the outbox age and lease takeovers', () => {
    const rules = readFileSync(join(DEPLOY, 'prometheus/stemedb-chatops-health.yml'), 'utf8');
    for (const name of [
      'StemedbChatopsReplicaDown',
      'StemedbChatopsDown',
      'StemedbChatopsAuditorHeartbeatMissing',
      'StemedbChatopsOutboxBacklog',
      'StemedbChatopsLeaseTakeovers',
    ]) {
      expect(rules).toContain(`alert: ${name}`);
    }
    expect(rules).toMatch(/absent\(up\{job="stemedb-chatops"\}\)/); // no scrape at all is "down" too
  });

  it.runIf(existsSync(SYSTEMD_ANALYZE))('has a replica template unit systemd-analyze accepts for an instance', () => {
    // A template verifies as an instance: copy it to stemedb-chatops@a.service.
    const dir = mkdtempSync(join(tmpdir(), 'stemedb-unit-'));
    const unit = join(dir, 'stemedb-chatops@a.service');
    copyFileSync(join(DEPLOY, 'systemd/stemedb-chatops@.service'), unit);
    const result = spawnSync(SYSTEMD_ANALYZE, ['verify', unit], { encoding: 'utf8' });
    rmSync(dir, { recursive: true, force: true });
    expect(result.stderr.split('\n').filter((l) => l.includes('stemedb-chatops@a.service'))).toEqual([]);
    const text = readFileSync(join(DEPLOY, 'systemd/stemedb-chatops@.service'), 'utf8');
    expect(text).toMatch(/^Restart=always$/m);
    expect(text).toMatch(/^EnvironmentFile=-\/etc\/stemedb-chatops\/%i\.env$/m);
  });
});
