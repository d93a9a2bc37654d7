import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../../src/config/load-config';

const dir = mkdtempSync(join(tmpdir(), 'ops-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const nodes = 'stemedb:\n  nodes:\n    - { name: stemedb-1, apiUrl: "http://10.0.0.11:18180" }\n';

function problemLines(file: string): string[] {
  try {
    loadConfig(file);
  } catch (err) {
    if (err instanceof ConfigError) return err.message.split('\n');
    throw err;
  }
  return [];
}

describe('ops config (dead-man heartbeat)', () => {
  it('defaults to no heartbeat URL and a one-minute period', () => {
    const config = parseConfig({ stemedb: { nodes: [{ name: 'stemedb-1', apiUrl: 'http://10.0.0.11:18180' }] } }, 'test.yml');
    expect(config.ops).toEqual({ heartbeatEvery: 60_000 });
  });

  it('takes an https URL and a duration', () => {
    const file = join(dir, 'good.yml');
    writeFileSync(file, `${nodes}ops:\n  heartbeatUrl: https://hc-ping.com/0e0c7a58-8a1b-4f0e-9a4e-5c0d1f2b3a4c\n  heartbeatEvery: 30s\n`);
    expect(loadConfig(file).ops).toEqual({ heartbeatUrl: 'https://hc-ping.com/0e0c7a58-8a1b-4f0e-9a4e-5c0d1f2b3a4c', heartbeatEvery: 30_000 });
  });

  it('places a bad URL, a bad duration and a typo at file:line:column with the key path', () => {
    const file = join(dir, 'bad.yml');
    writeFileSync(file, `${nodes}ops:\n  heartbeatUrl: ftp://oncall.example.com/heartbeat\n  heartbeatEvery: every minute\n  heartbeatUlr: x\n`);
    expect(problemLines(file)).toEqual([
      `${file}:5:17 ops.heartbeatUrl: "ftp://oncall.example.com/heartbeat" is not an accepted URL: use http:// or https:// with a host, e.g. http://10.0.0.11:18180`,
      `${file}:6:19 ops.heartbeatEvery: "every minute" is not a duration (use e.g. 30s, 5m, 1h)`,
      `${file}:7:3 ops.heartbeatUlr: unknown key (expected one of: heartbeatUrl, heartbeatEvery)`,
    ]);
  });
});
