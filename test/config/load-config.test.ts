import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseEnv, slackModeOf } from '../../src/config/env';
import { ConfigError, loadConfig, parseConfig } from '../../src/config/load-config';
import { parseDuration } from '../../src/config/duration';

const dir = mkdtempSync(join(tmpdir(), 'config-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const node = { name: 'stemedb-1', apiUrl: 'http://10.0.0.11:18180' };

function problemsOf(document: unknown): string[] {
  try {
    parseConfig(document, 'test.yml');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
  return [];
}

describe('config', () => {
  it('fills the defaults of SPEC 5 and the runbook chain', () => {
    const config = parseConfig({ stemedb: { nodes: [node] } }, 'test.yml');
    expect(config.stemedb.nodes[0]!.dataDir).toBe('/var/lib/stemedb');
    expect(config.stemedb.nodes[0]!.logs).toEqual({ journald: 'stemedb-api' });
    expect(config.diagnosis).toMatchObject({ sampleSeconds: 5, deadlineSeconds: 20 });
    expect(config.escalation.levels.map((l) => [l.name, l.ackTimeout])).toEqual([
      ['Primary on-call: Storage SRE', 300_000],
      ['Secondary: Database engineer', 600_000],
      ['Final: Principal engineer + on-call manager', 900_000],
    ]);
    expect(config.compaction.maxPerNodePerHour).toBe(2);
  });

  it.each([
    [{ stemedb: { nodes: [] } }, 'stemedb.nodes: configure at least one node'],
    [{ stemedb: { nodes: [{ ...node, name: 'Bad_Name' }] } }, 'stemedb.nodes[0].name: lowercase letters'],
    [{ stemedb: { nodes: [node, node] } }, 'stemedb.nodes[1].name: duplicate node name "stemedb-1"'],
    [{ stemedb: { nodes: [{ ...node, apiUrl: 'file:///etc/passwd' }] } }, 'stemedb.nodes[0].apiUrl'],
    [{ stemedb: { nodes: [{ ...node, dataDir: 'relative/dir' }] } }, 'stemedb.nodes[0].dataDir: an absolute path'],
    [
      { stemedb: { nodes: [{ ...node, ssh: { host: 'h', username: 'u', privateKeyPath: '/k', hostKeySha256: 'md5:xx' } }] } },
      'stemedb.nodes[0].ssh.hostKeySha256',
    ],
    [
      { stemedb: { nodes: [node] }, escalation: { levels: [{ name: 'x', ackTimeout: '5 minutes' }] } },
      'escalation.levels[0].ackTimeout: "5 minutes" is not a duration',
    ],
    [{ stemedb: { nodes: [node] }, slack: { alertChannel: '#alerts' } }, 'slack.alertChannel: a Slack channel ID'],
    [{ stemedb: { nodes: [node] }, typo: true }, 'typo: unknown key'],
    [
      { stemedb: { nodes: [node] }, reports: { weekly: { channel: 'C0R', day: 'funday', time: '09:00' } } },
      'reports.weekly.day: "funday" is not a day of the week',
    ],
    [{ stemedb: { nodes: [node] }, reports: { weekly: { channel: 'C0R', day: 'mon', time: '9am' } } }, 'reports.weekly.time: a time of day as HH:MM'],
    [
      { stemedb: { nodes: [node] }, reports: { weekly: { channel: 'C0R', day: 'monday', time: '09:00', timezone: 'Mars/Olympus' } } },
      'reports.weekly.timezone: an IANA time zone',
    ],
  ])('names the key path of a bad value (%#)', (document, expected) => {
    expect(problemsOf(document).join('\n')).toContain(expected);
  });

  it('reports a YAML syntax error with its line and the file', () => {
    const file = join(dir, 'broken.yml');
    writeFileSync(file, 'stemedb:\n  nodes: [\n');
    expect(() => loadConfig(file)).toThrow(/broken\.yml:\d+:\d+ not valid YAML/);
  });

  it('check-config exits 2 naming the file and key path, 0 when valid', () => {
    const bad = join(dir, 'bad.yml');
    writeFileSync(
      bad,
      'stemedb:\n  nodes:\n    - name: stemedb-1\n      apiUrl: http://10.0.0.1:18180\n      ssh: { host: h, port: 99999, username: u, privateKeyPath: /k, hostKeySha256: "SHA256:ht+qb8ckV14AvQbgJldN09NwZ23vdwTiRnXHtaFRcEY" }\n',
    );
    const failed = spawnSync(process.execPath, ['bin/stemedb-chatops.mjs', 'check-config', '--config', bad], { encoding: 'utf8' });
    expect(failed.status).toBe(2);
    expect(failed.stderr).toContain(`${bad}:5:29 stemedb.nodes[0].ssh.port:`);
    const ok = spawnSync(process.execPath, ['bin/stemedb-chatops.mjs', 'check-config', '--config', 'stemedb-chatops.example.yml'], { encoding: 'utf8' });
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
  });

  it('parses durations', () => {
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration(30)).toBe(30_000);
    expect(parseDuration('5 min')).toBeUndefined();
  });
});

describe('environment', () => {
  it('chooses local mode without a bot token, and says why', () => {
    expect(slackModeOf(parseEnv({}))).toMatchObject({ mode: 'local', reason: expect.stringContaining('SLACK_BOT_TOKEN is not set') });
    expect(slackModeOf(parseEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }))).toEqual({ mode: 'socket' });
    expect(slackModeOf(parseEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' }))).toEqual({ mode: 'http' });
  });

  it('rejects a malformed token as a config error naming the variable', () => {
    expect(() => parseEnv({ SLACK_BOT_TOKEN: 'xoxp-user-token' })).toThrow(/environment: SLACK_BOT_TOKEN: a bot token starts with xoxb-/);
  });
});

describe('timeouts', () => {
  it('requires StemeDB calls to time out before the diagnosis check does', () => {
    expect(problemsOf({ stemedb: { nodes: [node], requestTimeout: '10s' }, diagnosis: { checkTimeoutSeconds: 10 } }).join('\n')).toContain(
      'stemedb.requestTimeout: must be shorter than diagnosis.checkTimeoutSeconds (10s)',
    );
  });
});
