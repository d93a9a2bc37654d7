import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/app/migrations';
import { createSqliteUnitOfWork } from '../../src/app/sqlite-repositories';
import { openDatabase } from '../../src/store/database';
import { queuePostmortem } from '../../src/timeline/postmortem-job';

describe('queueing the postmortem draft from inside the resolve transaction', () => {
  it("queues in the caller's transaction, but the worker's kick waits for that transaction instead of joining it", async () => {
    const store = createSqliteUnitOfWork(openDatabase(':memory:', MIGRATIONS));
    const order: string[] = [];
    let kicked!: Promise<void>;
    const kick = () => {
      // What the worker does first: a store call. Inside the caller's transaction it would run at once.
      kicked = store.jobs.nextRunAt().then(() => void order.push('worker read'));
    };
    await store.withTx(async () => {
      await queuePostmortem(store.jobs, 'inc-1', new Date(), kick);
      // A transaction still open after the kick fired (PostgreSQL answers over the network).
      await new Promise((r) => setTimeout(r, 20));
      order.push('transaction ends');
    });
    await kicked;
    expect(order).toEqual(['transaction ends', 'worker read']);
    expect(await store.jobs.nextRunAt()).toBeDefined();
  });
});
