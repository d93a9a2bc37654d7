import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHART_WIDTH } from '../../src/charts/echarts-option';
import { decodePng } from './png';

describe('the local shell: a sparkline in the diagnosis and the PNG with --charts DIR', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stemedb-charts-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('says why there is no chart before the demo has samples, then prints a sparkline and writes the PNG', async () => {
    const env = { ...process.env };
    for (const key of ['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET']) delete env[key];
    const child = spawn(process.execPath, ['bin/stemedb-chatops.mjs', 'shell', '--sim', '--charts', join(dir, 'out')], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const closed = new Promise<number | null>((r) => child.on('close', r));
    const waitFor = async (re: RegExp, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      while (!re.test(stdout)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no ${re} in:\n${stdout}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      return re.exec(stdout)!;
    };
    try {
      await waitFor(/Running the built-in StemeDB simulator/, 20_000);
      child.stdin.write('diagnose stemedb-1\n');
      await waitFor(/No chart: error rate: (no|only one) reading of stemedb-1 in the bot's samples/, 20_000);
      // The demo samples every node every 15 s; two readings make a line. On a busy machine the second reading
      // can come late, so ask again until it has (each answer is a full diagnosis, the last one must draw).
      const sparkline = /Error rate of stemedb-1, \d\d:\d\d-\d\d:\d\d UTC \(the bot's own samples\): ([▁▂▃▄▅▆▇█]{2,}) now \d+\.\d\d%, peak \d+\.\d\d%/;
      for (let attempt = 0; attempt < 6 && !sparkline.test(stdout); attempt++) {
        await new Promise((r) => setTimeout(r, attempt === 0 ? 16_000 : 8_000));
        child.stdin.write('diagnose stemedb-1\n');
        await waitFor(/Diagnosed in[\s\S]*Diagnosed in/, 30_000);
      }
      const spark = await waitFor(sparkline, 30_000);
      expect(spark[1]!.length).toBeGreaterThanOrEqual(2);
      const path = (await waitFor(/\[shell\] chart: (\S+\.png)/, 30_000))[1]!;
      expect(path.startsWith(join(dir, 'out'))).toBe(true);
      expect(existsSync(path)).toBe(true);
      expect(decodePng(readFileSync(path)).width).toBe(CHART_WIDTH);
      child.stdin.end('exit\n');
      expect(await closed).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 150_000);
});
