import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { alert, payload, postWebhook, WEBHOOK_TOKEN } from '../alerts/alert-payloads';
import { startFakeSlack } from '../harness/fake-slack';
import { startBot } from '../harness/start-bot';
import { startCluster } from '../../sim';
import type { Runtime } from '../../src/app/runtime';
import { createSqliteUnitOfWork } from '../../src/app/sqlite-repositories';
import { pruneOlderThan } from '../../src/timeline/retention';
import { ask, userChain } from './timeline-helpers';

const run = promisify(execFile);

describe('the timeline across a restart, from the CLI, and under retention', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stemedb-timeline-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a restart mid-incident keeps the log; the CLI prints it as JSON; retention removes only old resolved incidents', async () => {
    const fake = await startFakeSlack();
    const sim = await startCluster({ baseDir: join(dir, 'sim'), nodes: [{ name: 'stemedb-1', scenarios: ['compaction_lag'] }] });
    const options = { dir, fake, sim, config: { escalation: userChain('60s') }, routes: (r: Runtime) => [r.alerts.route(WEBHOOK_TOKEN)] };
    const firing = alert({ fingerprint: 'fp-restart' });
    let bot = await startBot(options);
    let id: string;
    let before: { id: number; kind: string; at: string }[];
    try {
      expect((await postWebhook(bot.baseUrl, payload([firing]))).status).toBe(200);
      id = (await bot.fake.waitFor(() => bot.runtime.services.store.incidents.openForNode('stemedb-1'))).id;
      await bot.fake.waitFor(async () => (await bot.runtime.services.store.timeline.list(id)).some((e) => e.kind === 'diagnosed'), 20_000);
      expect(await ask(bot, 'escalate stemedb-1 disk keeps filling', 'U0ALICE')).toContain(`Escalating ${id}`);
      await bot.fake.waitFor(async () => (await bot.runtime.services.store.timeline.list(id)).some((e) => e.kind === 'paged'), 10_000);
      expect(await ask(bot, `note ${id} before the restart`, 'U0ALICE')).toContain('Noted');
      before = (await bot.runtime.services.store.timeline.list(id)).map(({ id: n, kind, at }) => ({ id: n, kind, at }));
    } finally {
      await bot.stop();
    }

    bot = await startBot(options);
    try {
      const timeline = bot.runtime.services.store.timeline;
      expect((await timeline.list(id)).map(({ id: n, kind, at }) => ({ id: n, kind, at }))).toEqual(before);
      // Alertmanager re-sends the same firing alert after the restart: no second "fired", no second page.
      expect((await postWebhook(bot.baseUrl, payload([firing]))).status).toBe(200);
      // ...and again with a new description: that is a re-fire worth a line.
      const worse = {
        ...firing,
        annotations: { ...(firing.annotations as Record<string, string>), description: '6.4% of storage operations failed over the last 5 minutes.' },
      };
      expect((await postWebhook(bot.baseUrl, payload([worse]))).status).toBe(200);
      expect(await ask(bot, `ack ${id}`, 'USRE1')).toContain(`You acknowledged ${id}`);
      expect((await postWebhook(bot.baseUrl, payload([{ ...firing, status: 'resolved', endsAt: new Date().toISOString() }]))).status).toBe(200);
      await bot.fake.waitForCall('files.completeUploadExternal', undefined, 15_000);
      const kinds = (await timeline.list(id)).map((e) => e.kind);
      expect(kinds.slice(0, before.length)).toEqual(before.map((e) => e.kind));
      expect(kinds.filter((k) => k === 'alert_fired')).toHaveLength(1);
      expect(kinds.filter((k) => k === 'paged')).toHaveLength(1);
      expect(kinds.filter((k) => k === 'alert_refired')).toHaveLength(1);
      expect(kinds.slice(before.length)).toEqual(expect.arrayContaining(['acked', 'alert_resolved', 'resolved']));
    } finally {
      await bot.stop();
    }

    // The CLI reads the store the bot left (read-only) and prints SPEC-style JSON.
    const config = join(dir, 'cli.yml');
    writeFileSync(
      config,
      `stemedb:\n  nodes:\n    - name: stemedb-1\n      apiUrl: http://127.0.0.1:9\n      local: true\nstore:\n  sqlitePath: ${join(dir, 'bot.sqlite')}\n`,
    );
    const cli = (args: string[]) =>
      run('node', ['bin/stemedb-chatops.mjs', ...args, '--config', config], { cwd: process.cwd() }).then(
        (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
      );
    const json = await cli(['timeline', id!, '--json']);
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as { incident: { id: string; status: string }; events: { kind: string; offsetSeconds: number; text: string }[] };
    expect(parsed.incident).toMatchObject({ id, status: 'resolved' });
    expect(parsed.events.map((e) => e.kind)).toEqual(expect.arrayContaining(['opened', 'alert_fired', 'escalated', 'paged', 'note', 'acked', 'resolved']));
    expect(parsed.events.find((e) => e.kind === 'note')?.text).toContain('before the restart');
    expect((await cli(['timeline', 'inc-zzzzzz'])).code).toBe(1);
    expect((await cli(['timeline'])).code).toBe(2);

    // Retention: nothing is old yet; with a cutoff after the resolve, the incident and its log go, open ones never.
    const db = (await import('better-sqlite3')).default(join(dir, 'bot.sqlite'));
    try {
      db.pragma('foreign_keys = ON');
      const store = createSqliteUnitOfWork(db);
      expect(await pruneOlderThan(store, new Date(Date.now() - 400 * 86_400_000))).toMatchObject({ incidents: 0, events: 0 });
      const removed = await pruneOlderThan(store, new Date(Date.now() + 60_000));
      expect(removed.incidents).toBe(1);
      expect(removed.events).toBe(parsed.events.length);
      expect(db.prepare('SELECT COUNT(*) AS n FROM incident_events WHERE incident_id = ?').get(id!)).toEqual({ n: 0 });
    } finally {
      db.close();
    }
    await sim.stop();
    await fake.close();
  });
});
