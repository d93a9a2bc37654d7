import { describe, expect, it } from 'vitest';
import type { AlertJob } from '../../../src/alerts/alert-jobs';
import type { StoreFactory } from './store-factory';
import { at, t0, useContractStore } from './use-contract-store';

/** Two replicas' leases; a live one outlasts every test, a short one is expired after `sleep(20)` on PostgreSQL. */
const A = { owner: 'host-a:1:aaaa', ttlMs: 600_000 };
const B = { owner: 'host-b:2:bbbb', ttlMs: 600_000 };
const SHORT = { owner: 'host-a:1:aaaa', ttlMs: 1 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
      const [first] = await jobs.claim(['sync'], t0, 1, A);
      expect(first).toEqual({ id: expect.any(Number), kind: 'sync', target: 'a', attempts: 1, owner: A.owner, takeover: false });
      expect((await jobs.claim(['sync', 'summary'], t0, 5, A)).map((j) => j.target)).toEqual(['b']);
      expect(await jobs.claim(['sync'], t0, 0, A)).toEqual([]);
      expect(await jobs.nextRunAt()).toEqual(t0);
      expect((await jobs.claim(['diagnose', 'sync'], at(60_000), 5, A)).map((j) => j.target)).toEqual(['n', 'c']);
      expect(await jobs.nextRunAt()).toBeUndefined();
      expect(await jobs.pendingCount()).toBe(4); // running ones still count until they complete
    });

    it('allows a new pending job while one runs, skips busy targets, and claims it after completion', async () => {
      const jobs = (await connect()).store.jobs;
      await jobs.enqueue('diagnose', 'stemedb-1', t0);
      await jobs.enqueue('diagnose', 'stemedb-2', t0);
      const [running] = await jobs.claim(['diagnose'], t0, 1, A);
      await jobs.enqueue('diagnose', 'stemedb-1', t0);
      const busy = (job: Pick<AlertJob, 'kind' | 'target'>) => job.target === running!.target;
      expect((await jobs.claim(['diagnose'], t0, 4, A, busy)).map((j) => j.target)).toEqual(['stemedb-2']);
      expect(await jobs.complete(running!)).toBe(true);
      expect(await jobs.claim(['diagnose'], t0, 4, A)).toMatchObject([{ target: 'stemedb-1', attempts: 1 }]);
    });

    it('claims its one free slot past the targets it is busy with, oldest first', async () => {
      const jobs = (await connect()).store.jobs;
      const target = (i: number) => `inc-${String(i).padStart(3, '0')}`;
      for (let i = 0; i < 60; i++) await jobs.enqueue('sync', target(i), t0);
      // A worker that stalled: the first 30 targets are its own, their leases lapsed, and it skips them.
      const busy = (job: Pick<AlertJob, 'kind' | 'target'>) => job.target < target(30);
      expect((await jobs.claim(['sync'], t0, 1, A, busy)).map((j) => j.target)).toEqual([target(30)]);
      expect((await jobs.claim(['sync'], t0, 2, A, busy)).map((j) => j.target)).toEqual([target(31), target(32)]);
    });

    it('retries later, and drops the retry when a newer pending job covers the target', async () => {
      const jobs = (await connect()).store.jobs;
      await jobs.enqueue('sync', 'a', t0);
      const [first] = await jobs.claim(['sync'], t0, 1, A);
      await jobs.retry(first!, at(2000), 'Slack 503');
      expect(await jobs.claim(['sync'], at(1000), 1, A)).toEqual([]);
      expect(await jobs.nextRunAt()).toEqual(at(2000));
      const [again] = await jobs.claim(['sync'], at(2000), 1, A);
      expect(again).toMatchObject({ id: first!.id, target: 'a', attempts: 2 });
      await jobs.enqueue('sync', 'a', at(2500));
      await jobs.retry(again!, at(9000), 'Slack 503');
      expect(await jobs.pendingCount()).toBe(1);
      expect(await jobs.nextRunAt()).toEqual(at(2500));
    });

    it('a running job whose lease ran out is taken over by another replica; its pending twin waits for it', async () => {
      const a = (await connect()).store.jobs;
      const b = (await connect()).store.jobs;
      await a.enqueue('summary', '1', t0);
      await a.enqueue('summary', '2', t0);
      const held = await a.claim(['summary'], t0, 2, SHORT);
      await a.enqueue('summary', '2', at(10));
      await sleep(20); // PostgreSQL leases run on the database clock; SQLite's on the `now` passed
      const taken = await b.claim(['summary'], at(1000), 5, B);
      expect(taken.map((j) => [j.target, j.attempts, j.owner, j.takeover])).toEqual([
        ['1', 2, B.owner, true],
        ['2', 2, B.owner, true],
      ]);
      expect(await b.pendingCount()).toBe(3);
      // The twin of '2' is due, but B's live lease on '2' blocks the target until it completes.
      expect(await a.claim(['summary'], at(1000), 5, A)).toEqual([]);
      expect(await b.complete(taken[1]!)).toBe(true);
      expect(await a.claim(['summary'], at(1000), 5, A)).toMatchObject([{ target: '2', attempts: 1, takeover: false }]);
    });

    it('fences completions: the old holder of a taken-over job changes nothing', async () => {
      const a = (await connect()).store.jobs;
      const b = (await connect()).store.jobs;
      await a.enqueue('diagnose', 'stemedb-1', t0);
      const [stale] = await a.claim(['diagnose'], t0, 1, SHORT);
      await sleep(20);
      const [fresh] = await b.claim(['diagnose'], at(1000), 1, B);
      expect(fresh).toMatchObject({ id: stale!.id, attempts: 2, takeover: true });
      expect(await a.extend(stale!, at(1000), 60_000)).toBe(false);
      expect(await a.complete(stale!)).toBe(false);
      expect(await a.retry(stale!, at(2000), 'late')).toBe(false);
      expect(await a.fail(stale!, 'late')).toBe(false);
      expect(await a.pendingCount()).toBe(1);
      expect(await a.failedCount()).toBe(0);
      // Still B's: nobody else can claim it, and B's completion counts.
      expect(await a.claim(['diagnose'], at(1000), 1, A)).toEqual([]);
      expect(await b.extend(fresh!, at(1000), 60_000)).toBe(true);
      expect(await b.complete(fresh!)).toBe(true);
      expect(await a.pendingCount()).toBe(0);
    });

    it('a running job with a live lease blocks its target on every connection, and extending keeps it live', async () => {
      const a = (await connect()).store.jobs;
      const b = (await connect()).store.jobs;
      await a.enqueue('sync', 'inc-1', t0);
      const [running] = await a.claim(['sync'], t0, 1, { ...A, ttlMs: 300 });
      await b.enqueue('sync', 'inc-1', at(100));
      expect(await a.extend(running!, at(200), 60_000)).toBe(true);
      await sleep(400); // past the first lease on PostgreSQL's clock; SQLite: `at(1000)` is past it too, not past the extension
      expect(await b.claim(['sync'], at(1000), 5, B)).toEqual([]);
      expect(await a.retry(running!, at(5000), 'Slack 503')).toBe(true); // dropped: the pending twin covers it
      expect(await b.claim(['sync'], at(1000), 5, B)).toMatchObject([{ target: 'inc-1', attempts: 1, takeover: false }]);
    });

    it('keeps failed jobs for inspection, out of the pending count', async () => {
      const jobs = (await connect()).store.jobs;
      await jobs.enqueue('sync', 'a', t0);
      const [job] = await jobs.claim(['sync'], t0, 1, A);
      expect(await jobs.fail(job!, 'channel_not_found')).toBe(true);
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
        const batches = await Promise.all([a.claim(['sync', 'diagnose'], t0, 7, A), b.claim(['sync', 'diagnose'], t0, 7, B), a.claim(['sync'], t0, 3, A)]);
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
      const running = await a.claim(['sync'], t0, 5, A);
      await Promise.all(running.flatMap((job) => [a.retry(job, at(1000), 'timeout'), b.enqueue('sync', job.target, at(500))]));
      expect(await b.pendingCount()).toBe(5);
      expect((await b.claim(['sync'], at(1000), 10, B)).map((j) => j.target).sort()).toEqual(['inc-0', 'inc-1', 'inc-2', 'inc-3', 'inc-4']);
    });
  });
}
