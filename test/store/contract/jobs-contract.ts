import { describe, expect, it } from 'vitest';
import type { AlertJob } from '../../../src/alerts/alert-jobs';
import type { StoreFactory } from './store-factory';
import { at, t0, useContractStore } from './use-contract-store';

const idle = () => false;

/** The alert job queue contract: one pending job per target, claims two replicas never share. */
export function jobsContract(factory: StoreFactory): void {
  describe(`alert job queue (${factory.name})`, () => {
    const { connect } = useContractStore(factory);

    it('keeps one pending job per target however often, and from however many replicas, it is enqueued', async () => {
      const a = (await connect()).store.jobs;
      const b = (await connect()).store.jobs;
      await Promise.all([...Array(5).keys()].flatMap(() => [a.enqueue('sync', 'inc-1', t0), b.enqueue('sync', 'inc-1', t0)]));
      await b.enqueue('sync', 'inc-2', t0);
      await b.enqueue('diagnose', 'inc-1', t0);
      expect(await a.pendingCount()).toBe(3);
      expect(await a.failedCount()).toBe(0);
    });

    it('claims only the asked kinds, due jobs, oldest first, up to the limit; the next run time is a Date', async () => {
      const jobs = (await connect()).store.jobs;
      await jobs.enqueue('sync', 'a', t0);
      await jobs.enqueue('diagnose', 'n', t0);
      await jobs.enqueue('sync', 'b', t0);
      await jobs.enqueue('sync', 'c', t0, at(60_000));
      expect(await jobs.nextRunAt()).toEqual(t0);
      const [first] = await jobs.claim(['sync'], t0, 1, idle);
      expect(first).toEqual({ id: expect.any(Number), kind: 'sync', target: 'a', attempts: 1 });
      expect((await jobs.claim(['sync', 'summary'], t0, 5, idle)).map((j) => j.target)).toEqual(['b']);
      expect(await jobs.claim(['sync'], t0, 0, idle)).toEqual([]);
      expect(await jobs.nextRunAt()).toEqual(t0);
      expect((await jobs.claim(['diagnose', 'sync'], at(60_000), 5, idle)).map((j) => j.target)).toEqual(['n', 'c']);
      expect(await jobs.nextRunAt()).toBeUndefined();
      expect(await jobs.pendingCount()).toBe(4); // running ones still count until they complete
    });

    it('allows a new pending job while one runs, skips busy targets, and claims it after completion', async () => {
      const jobs = (await connect()).store.jobs;
      await jobs.enqueue('diagnose', 'stemedb-1', t0);
      await jobs.enqueue('diagnose', 'stemedb-2', t0);
      const [running] = await jobs.claim(['diagnose'], t0, 1, idle);
      await jobs.enqueue('diagnose', 'stemedb-1', t0);
      const busy = (job: Pick<AlertJob, 'kind' | 'target'>) => job.target === running!.target;
      expect((await jobs.claim(['diagnose'], t0, 4, busy)).map((j) => j.target)).toEqual(['stemedb-2']);
      await jobs.complete(running!.id);
      expect(await jobs.claim(['diagnose'], t0, 4, idle)).toMatchObject([{ target: 'stemedb-1', attempts: 1 }]);
    });

    it('retries later, and drops the retry when a newer pending job covers the target', async () => {
      const jobs = (await connect()).store.jobs;
      await jobs.enqueue('sync', 'a', t0);
      const [first] = await jobs.claim(['sync'], t0, 1, idle);
      await jobs.retry(first!, at(2000), 'Slack 503');
      expect(await jobs.claim(['sync'], at(1000), 1, idle)).toEqual([]);
      expect(await jobs.nextRunAt()).toEqual(at(2000));
      const [again] = await jobs.claim(['sync'], at(2000), 1, idle);
      expect(again).toMatchObject({ id: first!.id, target: 'a', attempts: 2 });
      await jobs.enqueue('sync', 'a', at(2500));
      await jobs.retry(again!, at(9000), 'Slack 503');
      expect(await jobs.pendingCount()).toBe(1);
      expect(await jobs.nextRunAt()).toEqual(at(2500));
    });

    it('a restart (another connection) makes running jobs pending again, merging with a pending twin', async () => {
      const jobs = (await connect()).store.jobs;
      await jobs.enqueue('summary', '1', t0);
      await jobs.enqueue('summary', '2', t0);
      await jobs.claim(['summary'], t0, 2, idle);
      await jobs.enqueue('summary', '2', at(10));
      expect(await jobs.claim(['summary'], t0, 1, idle)).toEqual([]);
      const restarted = (await connect()).store.jobs;
      expect(await restarted.resetRunning()).toBe(2);
      expect(await restarted.pendingCount()).toBe(2);
      expect((await restarted.claim(['summary'], at(10), 5, idle)).map((j) => [j.target, j.attempts])).toEqual([
        ['1', 2],
        ['2', 1],
      ]);
      expect(await restarted.resetRunning()).toBe(2);
    });

    it('keeps failed jobs for inspection, out of the pending count', async () => {
      const jobs = (await connect()).store.jobs;
      await jobs.enqueue('sync', 'a', t0);
      const [job] = await jobs.claim(['sync'], t0, 1, idle);
      await jobs.fail(job!.id, 'channel_not_found');
      expect(await jobs.failedCount()).toBe(1);
      expect(await jobs.pendingCount()).toBe(0);
      await jobs.enqueue('sync', 'a', t0);
      expect(await jobs.pendingCount()).toBe(1);
    });

    it('two replicas claiming at once never get the same job, and together get every due one', async () => {
      const a = (await connect()).store.jobs;
      const b = (await connect()).store.jobs;
      for (let n = 0; n < 40; n++) await a.enqueue(n % 2 ? 'sync' : 'diagnose', `target-${n}`, t0);
      const claimed: AlertJob[] = [];
      for (let round = 0; round < 6; round++) {
        const batches = await Promise.all([a.claim(['sync', 'diagnose'], t0, 7, idle), b.claim(['sync', 'diagnose'], t0, 7, idle), a.claim(['sync'], t0, 3, idle)]);
        claimed.push(...batches.flat());
      }
      expect(claimed).toHaveLength(40);
      expect(new Set(claimed.map((j) => j.id)).size).toBe(40);
      expect(claimed.every((j) => j.attempts === 1)).toBe(true);
    });

    it('a retry racing an enqueue of the same target leaves exactly one pending job', async () => {
      const a = (await connect()).store.jobs;
      const b = (await connect()).store.jobs;
      for (let n = 0; n < 5; n++) await a.enqueue('sync', `inc-${n}`, t0);
      const running = await a.claim(['sync'], t0, 5, idle);
      await Promise.all(running.flatMap((job) => [a.retry(job, at(1000), 'timeout'), b.enqueue('sync', job.target, at(500))]));
      expect(await b.pendingCount()).toBe(5);
      expect((await b.claim(['sync'], at(1000), 10, idle)).map((j) => j.target).sort()).toEqual(['inc-0', 'inc-1', 'inc-2', 'inc-3', 'inc-4']);
    });
  });
}
