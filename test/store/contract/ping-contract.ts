import { describe, expect, it } from 'vitest';
import { contractStore } from './contract-store';
import type { StoreFactory } from './store-factory';

/** `UnitOfWork.ping`, what /readyz asks: the store answers a trivial query within the timeout. */
export function pingContract(factory: StoreFactory): void {
  describe(`store ping (${factory.name})`, () => {
    const { connect } = contractStore(factory);

    it('answers, also inside a transaction and while another connection holds a write transaction open', async () => {
      const a = (await connect()).store;
      const b = (await connect()).store;
      await expect(a.ping(2_000)).resolves.toBeUndefined();
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let entered!: () => void;
      const inside = new Promise<void>((resolve) => (entered = resolve));
      const tx = a.withTx(async (t) => {
        await t.audit.record({ actor: 'U1', action: 'compact', outcome: 'started' }, new Date());
        await a.ping(2_000); // the transaction's own flow
        entered();
        await held;
      });
      await inside;
      await expect(b.ping(2_000)).resolves.toBeUndefined();
      release();
      await tx;
    });

    it('times out, naming the store, when the connection is held by a transaction that does not end', async () => {
      const a = (await connect()).store;
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let entered!: () => void;
      const inside = new Promise<void>((resolve) => (entered = resolve));
      const tx = a.withTx(async (t) => {
        await t.audit.record({ actor: 'U1', action: 'compact', outcome: 'started' }, new Date());
        entered();
        await held;
      });
      await inside;
      if (factory.name === 'SQLite') {
        // One connection: every call outside the transaction waits for it, so the ping times out.
        await expect(a.ping(150)).rejects.toThrow(/SQLite store: no answer within 150 ms/);
      } else {
        // A pool: the ping takes another connection and answers.
        await expect(a.ping(2_000)).resolves.toBeUndefined();
      }
      release();
      await tx;
    });
  });
}
