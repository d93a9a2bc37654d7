import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobQueue } from '../../src/alerts/alert-jobs';
import { AlertWorker } from '../../src/alerts/alert-worker';
import { createBotMetrics } from '../../src/ops/bot-metrics';
import { createLogger } from '../../src/ops/logger';
import { createSqliteUnitOfWork } from '../../src/app/sqlite-repositories';
import { openDatabase, type Db } from '../../src/store/database';
import { MIGRATIONS } from '../../src/app/migrations';

const T0 = new Date('2026-02-12T06:00:00Z');
const later = (ms: number) => new Date(T0.getTime() + ms);
const A = { owner: 'host:1:aaaa', ttlMs: 60_000 };

describe('the durable alert job queue', async () => {
  let db: Db;
  let jobs: JobQueue;
  beforeEach(() => {
    db = openDatabase(':memory:', MIGRATIONS);
    jobs = createSqliteUnitOfWork(db).jobs;
  });
  afterEach(() => db.close());

  it('keeps one pending job per target however often it is enqueued', async () => {
    for (let i = 0; i < 5; i++) await jobs.enqueue('sync', 'inc-1', T0);
    await jobs.enqueue('sync', 'inc-2', T0);
    expect(await jobs.pendingCount()).toBe(2);
  });

  it('allows a new pending job while one runs, and never claims both at once', async () => {
    await jobs.enqueue('diagnose', 'stemedb-1', T0);
    const [running] = await jobs.claim(['diagnose'], T0, 4, A);
    await jobs.enqueue('diagnose', 'stemedb-1', T0);
    expect(await jobs.claim(['diagnose'], T0, 4, A, (j) => j.target === running!.target)).toEqual([]);
    await jobs.complete(running!);
    expect(await jobs.claim(['diagnose'], T0, 4, A)).toHaveLength(1);
  });

  it('claims only the asked kinds, due jobs, oldest first, up to the limit', async () => {
    await jobs.enqueue('sync', 'a', T0);
    await jobs.enqueue('diagnose', 'n', T0);
    await jobs.enqueue('sync', 'b', T0);
    await jobs.enqueue('sync', 'c', later(60_000));
    expect((await jobs.claim(['sync'], T0, 1, A)).map((j) => j.target)).toEqual(['a']);
    expect((await jobs.claim(['sync', 'summary'], T0, 5, A)).map((j) => j.target)).toEqual(['b']);
    expect(await jobs.nextRunAt()).toEqual(T0);
  });

  it('retries later, and drops the retry when a newer pending job covers the target', async () => {
    await jobs.enqueue('sync', 'a', T0);
    const [first] = await jobs.claim(['sync'], T0, 1, A);
    await jobs.retry(first!, later(2000), 'Slack 503');
    expect(await jobs.claim(['sync'], later(1000), 1, A)).toEqual([]);
    const [again] = await jobs.claim(['sync'], later(2000), 1, A);
    expect(again).toMatchObject({ target: 'a', attempts: 2 });
    await jobs.enqueue('sync', 'a', later(2500));
    await jobs.retry(again!, later(9000), 'Slack 503');
    expect(await jobs.pendingCount()).toBe(1);
    expect(await jobs.nextRunAt()).toEqual(later(2500));
  });

  it('lets a restarted process take over running jobs once their lease runs out', async () => {
    await jobs.enqueue('summary', '1', T0);
    await jobs.claim(['summary'], T0, 1, A);
    expect(await jobs.claim(['summary'], T0, 1, A)).toEqual([]);
    const reopened = createSqliteUnitOfWork(db).jobs;
    const next = { owner: 'host:2:bbbb', ttlMs: 60_000 };
    expect(await reopened.claim(['summary'], later(59_999), 1, next)).toEqual([]);
    expect(await reopened.claim(['summary'], later(60_000), 1, next)).toMatchObject([{ target: '1', attempts: 2, takeover: true, owner: next.owner }]);
  });

  it('keeps failed jobs for inspection', async () => {
    await jobs.enqueue('sync', 'a', T0);
    const [job] = await jobs.claim(['sync'], T0, 1, A);
    await jobs.fail(job!, 'channel_not_found');
    expect(await jobs.failedCount()).toBe(1);
    expect(await jobs.pendingCount()).toBe(0);
  });
});

describe('the alert worker renewing its leases', () => {
  /** A worker on a real SQLite queue with `jobs` wrapped by the test, its warnings collected; renews every 10 ms. */
  function worker(wrap: (queue: JobQueue) => JobQueue, handler: () => Promise<void>) {
    const db = openDatabase(':memory:', MIGRATIONS);
    const queue = createSqliteUnitOfWork(db).jobs;
    const warnings: string[] = [];
    const log = createLogger('warn', { write: (line: string) => void warnings.push(JSON.parse(line).msg) });
    const w = new AlertWorker({
      jobs: wrap(queue),
      handlers: { sync: handler, diagnose: handler, summary: handler, postmortem: handler },
      log,
      now: () => new Date(),
      diagnoseConcurrency: 1,
      concurrency: 1,
      maxAttempts: 3,
      lease: { owner: 'host:1:aaaa', ttlMs: 30 },
      metrics: createBotMetrics(),
    });
    return { db, queue, warnings, worker: w };
  }

  it('does not report a job whose completion is being recorded as a lost lease', async () => {
    let completing!: () => void;
    const completedRow = new Promise<void>((r) => (completing = r));
    // Completing deletes the row, then the bookkeeping is slow to return: renewals run meanwhile.
    const t = worker(
      (queue) => ({
        ...queue,
        async complete(job) {
          const held = await queue.complete(job);
          completing();
          await new Promise((r) => setTimeout(r, 60));
          return held;
        },
      }),
      async () => undefined,
    );
    await t.queue.enqueue('sync', 'inc-1', new Date());
    await t.worker.start();
    await completedRow;
    await t.worker.idle(2_000);
    await t.worker.stop();
    expect(await t.queue.pendingCount()).toBe(0);
    t.db.close();
    expect(t.warnings).toEqual([]);
  });

  it('does not report a job that finished while a renewal was on its way as a lost lease', async () => {
    let extending!: () => void;
    const extendStarted = new Promise<void>((r) => (extending = r));
    // A renewal slow to reach the store (a busy pool): the job completes and leaves the worker meanwhile.
    const t = worker(
      (queue) => ({
        ...queue,
        async extend(job, now, ttlMs) {
          extending();
          await new Promise((r) => setTimeout(r, 40));
          return queue.extend(job, now, ttlMs);
        },
      }),
      () => extendStarted,
    );
    await t.queue.enqueue('sync', 'inc-1', new Date());
    await t.worker.start();
    await extendStarted;
    await t.worker.idle(2_000);
    await new Promise((r) => setTimeout(r, 100));
    await t.worker.stop();
    t.db.close();
    expect(t.warnings).toEqual([]);
  });

  it('says once that a job was taken over, however long it still runs here', async () => {
    let release!: () => void;
    const running = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const handlerStarted = new Promise<void>((r) => (started = r));
    const t = worker(
      (queue) => queue,
      async () => {
        started();
        await running;
      },
    );
    await t.queue.enqueue('sync', 'inc-1', new Date());
    await t.worker.start();
    await handlerStarted;
    // Another process takes the job over (its lease, as it sees it, ran out): the row names the new holder.
    t.db
      .prepare("UPDATE alert_jobs SET lease_owner = 'host:2:bbbb', attempts = attempts + 1, lease_until = ?")
      .run(new Date(Date.now() + 60_000).toISOString());
    await new Promise((r) => setTimeout(r, 80)); // about eight renewals
    release();
    await new Promise((r) => setTimeout(r, 30));
    await t.worker.stop();
    t.db.close();
    expect(t.warnings).toEqual(['alert job lease lost: another process took the job over, its outcome here is dropped']);
  });
});
