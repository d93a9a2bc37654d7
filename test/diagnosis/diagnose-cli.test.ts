import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { z } from 'zod';
import { clusterConfigYaml, startCluster, type SimCluster } from '../../sim';
import { CAUSES, CHECK_IDS } from '../../src/diagnosis/types';
import { openDatabase } from '../../src/store/database';
import { MIGRATIONS } from '../../src/app/migrations';

const BIN = resolve(import.meta.dirname, '../../bin/stemedb-chatops.mjs');

/** SPEC 4.1's JSON shape, strictly: a renamed or extra key fails. */
const resultSchema = z
  .object({
    node: z.string(),
    startedAt: z.iso.datetime(),
    durationMs: z.number().int().nonnegative(),
    errorRate: z.number().min(0).max(1).nullable(),
    verdict: z
      .object({
        // `recovering`, `lastSeenAt` and `notChecked` were added by issue 9 (added fields; none renamed).
        causes: z
          .array(
            z
              .object({
                cause: z.enum(CAUSES),
                evidence: z.array(z.string()).min(1),
                recovering: z.literal(true).optional(),
                lastSeenAt: z.iso.datetime().optional(),
              })
              .strict(),
          )
          .min(1),
        severity: z.enum(['critical', 'warning', 'ok']),
        summary: z.string().min(1),
        escalate: z.boolean(),
        escalateReasons: z.array(z.string()),
        notChecked: z.array(z.object({ check: z.enum(CHECK_IDS), reason: z.string().min(1) }).strict()),
      })
      .strict(),
    checks: z.array(
      z
        .object({
          id: z.enum(CHECK_IDS),
          status: z.enum(['ok', 'warning', 'critical', 'unknown']),
          summary: z.string(),
          durationMs: z.number().int().nonnegative(),
          data: z.record(z.string(), z.unknown()),
          error: z.string().optional(),
        })
        .strict(),
    ),
    recommendations: z.array(
      z.object({ title: z.string(), steps: z.array(z.string()).min(1), action: z.enum(['compact', 'escalate', 'slow_queries']).optional() }).strict(),
    ),
  })
  .strict();

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, LOG_LEVEL: 'warn' }, timeout: 60_000 }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describe.concurrent('stemedb-chatops diagnose (the CLI)', () => {
  let dir: string;
  let cluster: SimCluster;
  let config: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stemedb-cli-'));
    cluster = await startCluster({
      baseDir: join(dir, 'sim'),
      nodes: [
        { name: 'stemedb-1', scenarios: ['compaction_lag'], opsPerSecond: 2000 },
        { name: 'stemedb-2', scenarios: ['healthy'], opsPerSecond: 2000 },
      ],
    });
    config = join(dir, 'config.yml');
    const sqlitePath = join(dir, 'bot.sqlite');
    writeFileSync(config, `${clusterConfigYaml(cluster)}${stringify({ diagnosis: { sampleSeconds: 1 }, store: { sqlitePath } })}`);
    // The CLIs below start at once; migrating a fresh store from several processes at once races
    // ("table incidents already exists"), so the store is created first.
    openDatabase(sqlitePath, MIGRATIONS).close();
  });
  afterAll(async () => {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the SPEC 4.1 JSON and exits 0', async () => {
    const { code, stdout, stderr } = await cli(['diagnose', 'stemedb-1', '--json', '--config', config]);
    expect(code, stderr).toBe(0);
    const result = resultSchema.parse(JSON.parse(stdout));
    expect(result.node).toBe('stemedb-1');
    expect(result.checks.map((c) => c.id)).toEqual([...CHECK_IDS]);
    expect(result.verdict.causes[0]!.cause).toBe('compaction_lag');
    expect(result.errorRate).toBeGreaterThan(0.005);
    expect(result.recommendations[0]!.action).toBe('compact');
  });

  it('exits 0 for a healthy node too, with causes [{cause: "healthy"}]', async () => {
    const { code, stdout, stderr } = await cli(['diagnose', 'stemedb-2', '--json', '--config', config]);
    expect(code, stderr).toBe(0);
    const result = resultSchema.parse(JSON.parse(stdout));
    expect(result.verdict.causes.map((c) => c.cause)).toEqual(['healthy']);
    expect(result.recommendations).toEqual([]);
  });

  it('prints the text view without --json', async () => {
    const { code, stdout } = await cli(['diagnose', 'stemedb-1', '--config', config]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^stemedb-1: compaction falling behind \(critical\)/);
    expect(stdout).toContain('[bot action: compact]');
  });

  it.each([
    [['diagnose', '--json'], 'Usage: stemedb-chatops diagnose <node>'],
    [['diagnose', 'stemedb-1', 'stemedb-2', '--json'], 'Usage: stemedb-chatops diagnose <node>'],
    [['diagnose', 'stemedb-9', '--json'], 'unknown node "stemedb-9"; configured: stemedb-1, stemedb-2'],
  ])('exits 2 on bad usage: %j', async (args, message) => {
    const { code, stdout, stderr } = await cli([...args, '--config', config]);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stdout).toBe('');
  });

  it('runs on the built-in simulator with --sim, no config needed, node names in any case', async () => {
    const { code, stdout, stderr } = await cli(['diagnose', 'STEMEDB-4', '--sim', '--json', '--config', join(dir, 'does-not-exist.yml')]);
    expect(code, stderr).toBe(0);
    const result = resultSchema.parse(JSON.parse(stdout));
    expect(result.node).toBe('stemedb-4');
    expect(result.verdict.causes[0]!.cause).toBe('compaction_lag');
  });

  it('exits 2 on an invalid config, naming the key path', async () => {
    const bad = join(dir, 'bad.yml');
    writeFileSync(bad, stringify({ stemedb: { nodes: [{ name: 'stemedb-1', apiUrl: cluster.nodes[0]!.apiUrl, dataDir: 'relative/dir', local: true }] } }));
    const { code, stderr } = await cli(['diagnose', 'stemedb-1', '--json', '--config', bad]);
    expect(code).toBe(2);
    expect(stderr).toMatch(new RegExp(`^${bad.replace(/[.]/g, '\\.')}:\\d+:\\d+ stemedb\\.nodes\\[0\\]\\.dataDir: an absolute path`, 'm'));
  });
});
