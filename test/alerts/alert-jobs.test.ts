import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteJobQueue, type JobQueue } from '../../src/alerts/alert-jobs';
import { openDatabase, type Db } from '../../src/store/database';
import { MIGRATIONS } from '../../src/app/migrations';

const T0 = new Date('2026-02-12T06:00:00Z');
const later = (ms: number) => new Date(T0.getTime() + ms);
const idle = () => false;

describe('the durable alert job queue', () => {
  let db: Db;
  let jobs: JobQueue;
  beforeEach(() => {
    db = openDatabase(':memory:', MIGRATIONS);
    jobs = createSqliteJobQueue(db);
  });
  afterEach(() => db.close());

  it('keeps one pending job per target however often it is enqueued', () => {
    for (let i = 0; i < 5; i++) jobs.enqueue('sync', 'inc-1', T0);
    jobs.enqueue('sync', 'inc-2', T0);
    expect(jobs.pendingCount()).toBe(2);
  });

  it('allows a new pending job while one runs, and never claims both at once', () => {
    jobs.enqueue('diagnose', 'stemedb-1', T0);
    const [running] = jobs.claim(['diagnose'], T0, 4, idle);
    jobs.enqueue('diagnose', 'stemedb-1', T0);
    expect(jobs.claim(['diagnose'], T0, 4, (j) => j.target === running!.target)).toEqual([]);
    jobs.complete(running!.id);
    expect(jobs.claim(['diagnose'], T0, 4, idle)).toHaveLength(1);
  });

  it('claims only the asked kinds, due jobs, oldest first, up to the limit', () => {
    jobs.enqueue('sync', 'a', T0);
    jobs.enqueue('diagnose', 'n', T0);
    jobs.enqueue('sync', 'b', T0);
    jobs.enqueue('sync', 'c', later(60_000));
    expect(jobs.claim(['sync'], T0, 1, idle).map((j) => j.target)).toEqual(['a']);
    expect(jobs.claim(['sync', 'summary'], T0, 5, idle).map((j) => j.target)).toEqual(['b']);
    expect(jobs.nextRunAt()).toEqual(T0);
  });

  it('retries later, and drops the retry when a newer pending job covers the target', () => {
    jobs.enqueue('sync', 'a', T0);
    const [first] = jobs.claim(['sync'], T0, 1, idle);
    jobs.retry(first!, later(2000), 'Slack 503');
    expect(jobs.claim(['sync'], later(1000), 1, idle)).toEqual([]);
    const [again] = jobs.claim(['sync'], later(2000), 1, idle);
    expect(again).toMatchObject({ target: 'a', attempts: 2 });
    jobs.enqueue('sync', 'a', later(2500));
    jobs.retry(again!, later(9000), 'Slack 503');
    expect(jobs.pendingCount()).toBe(1);
    expect(jobs.nextRunAt()).toEqual(later(2500));
  });

  it('makes running jobs pending again after a restart', () => {
    jobs.enqueue('summary', '1', T0);
    jobs.claim(['summary'], T0, 1, idle);
    expect(jobs.claim(['summary'], T0, 1, idle)).toEqual([]);
    const reopened = createSqliteJobQueue(db);
    expect(reopened.resetRunning()).toBe(1);
    expect(reopened.claim(['summary'], T0, 1, idle)).toHaveLength(1);
  });

  it('keeps failed jobs for inspection', () => {
    jobs.enqueue('sync', 'a', T0);
    const [job] = jobs.claim(['sync'], T0, 1, idle);
    jobs.fail(job!.id, 'channel_not_found');
    expect(jobs.failedCount()).toBe(1);
    expect(jobs.pendingCount()).toBe(0);
  });
});
