import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from '../../src/app/runtime';
import { NodeSampler } from '../../src/charts/node-sampler';
import { SampleHistory } from '../../src/charts/sample-history';
import { parseConfig } from '../../src/config/load-config';
import { guardTick } from '../../src/ops/clock';
import { createLogger } from '../../src/ops/logger';
import { openBotSqlite } from '../alerts/bot-sqlite';
import { FakeClock } from '../harness/fake-clock';

/** Log lines written by pino, parsed. */
function capturingLog() {
  const lines: { level: number; msg: string; timer?: string; err?: { message: string } }[] = [];
  const log = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { log, lines };
}

describe('timer callbacks cannot throw', () => {
  it('guardTick logs a synchronous throw and a rejection, and returns normally', async () => {
    const { log, lines } = capturingLog();
    expect(() =>
      guardTick(log, 'sync tick', () => {
        throw new Error('database is locked');
      })(),
    ).not.toThrow();
    guardTick(log, 'async tick', async () => {
      throw new Error('SQLITE_BUSY');
    })();
    await new Promise((r) => setImmediate(r));
    expect(lines.map((l) => [l.timer, l.err?.message])).toEqual([
      ['sync tick', 'database is locked'],
      ['async tick', 'SQLITE_BUSY'],
    ]);
  });

  describe('chart sampling when the store fails', () => {
    let runtime: Runtime;
    let dir: string;
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => void rejections.push(reason);
    beforeEach(async () => {
      process.on('unhandledRejection', onRejection);
      // A file, not :memory:, so the test can break the table through a second connection.
      dir = mkdtempSync(join(tmpdir(), 'stemedb-timer-safety-'));
      const config = parseConfig(
        { stemedb: { nodes: [{ name: 'stemedb-1', apiUrl: 'http://127.0.0.1:9', local: true }] }, store: { sqlitePath: join(dir, 'bot.sqlite') } },
        'test',
      );
      runtime = await createRuntime({ config, log: createLogger('silent'), secret: () => undefined, charts: { enabled: false } });
    });
    afterEach(async () => {
      process.off('unhandledRejection', onRejection);
      await runtime.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('a database error while listing the targets is logged at every tick, never an unhandled rejection', async () => {
      const { log, lines } = capturingLog();
      const clock = new FakeClock();
      const { store } = runtime.services;
      const sampler = new NodeSampler(
        { ...runtime.services, log },
        {
          history: new SampleHistory(),
          intervalMs: 20_000,
          clock,
          targets: async () => (await store.incidents.listOpen()).flatMap((i) => (i.node ? [i.node] : [])),
        },
      );
      const db = openBotSqlite(dir);
      db.exec('ALTER TABLE incidents RENAME TO incidents_away');
      try {
        sampler.start();
        await clock.advance(40_000);
        await new Promise((r) => setImmediate(r));
      } finally {
        sampler.stop();
        db.exec('ALTER TABLE incidents_away RENAME TO incidents');
        db.close();
      }
      expect(rejections).toEqual([]);
      const failures = lines.filter((l) => l.timer === 'chart sampling');
      expect(failures).toHaveLength(3);
      expect(failures[0]!.err?.message).toContain('no such table: incidents');
      expect(clock.pending()).toEqual([]);
    });
  });
});
