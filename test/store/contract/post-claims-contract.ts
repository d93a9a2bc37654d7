import { describe, expect, it } from 'vitest';
import type { StoreFactory } from './store-factory';
import { at, t0, useContractStore } from './use-contract-store';

const TTL = 3_000;
const lease = (owner: string) => ({ owner, ttlMs: TTL });
const message = { channel: 'C0ALERTS', ts: '1700000000.000100' };
/** PostgreSQL leases run on the database clock: wait past the TTL there (SQLite takes `now`). */
const pastLease = async (name: string) => {
  if (name.toLowerCase().startsWith('postgres')) await new Promise((r) => setTimeout(r, 350));
};

/** Thread-opening posts leased to one process: one poster, the others wait; a dead holder's post is taken over. */
export function postClaimsContract(factory: StoreFactory): void {
  describe(`post claims (${factory.name})`, () => {
    const { connect } = useContractStore(factory);
    const short = factory.name.toLowerCase().startsWith('postgres') ? 300 : TTL;

    it('one claim per key: a second process is told to wait, then gets the recorded message', async () => {
      const a = (await connect()).store.postClaims;
      const b = (await connect()).store.postClaims;
      const claim = await a.claim('thread:inc-1', lease('A'), t0);
      expect(claim).toEqual({ kind: 'claimed', token: { owner: 'A', attempt: 1 }, lookFirst: false });
      expect(await b.claim('thread:inc-1', lease('B'), at(1_000))).toEqual({ kind: 'busy' });
      expect(await b.claim('thread:inc-2', lease('B'), at(1_000))).toMatchObject({ kind: 'claimed', lookFirst: false });
      if (claim.kind !== 'claimed') throw new Error('unreachable');
      expect(await a.posted('thread:inc-1', claim.token, message, at(1_500))).toBe(true);
      expect(await b.claim('thread:inc-1', lease('B'), at(60_000))).toEqual({ kind: 'posted', ...message });
    });

    it('a holder whose lease ran out is taken over (look first), and its late writes are refused', async () => {
      const a = (await connect()).store.postClaims;
      const b = (await connect()).store.postClaims;
      const old = await a.claim('summary:7', { owner: 'A', ttlMs: short }, t0);
      if (old.kind !== 'claimed') throw new Error('expected a claim');
      await pastLease(factory.name);
      const taken = await b.claim('summary:7', lease('B'), at(TTL + 1));
      expect(taken).toEqual({ kind: 'claimed', token: { owner: 'B', attempt: 2 }, lookFirst: true });
      // The stalled holder wakes up: its lease is gone, and so is its record.
      expect(await a.extend('summary:7', old.token, at(TTL + 2), TTL)).toBe(false);
      expect(await a.posted('summary:7', old.token, message, at(TTL + 2))).toBe(false);
      if (taken.kind !== 'claimed') throw new Error('unreachable');
      expect(await b.extend('summary:7', taken.token, at(TTL + 2), TTL)).toBe(true);
      expect(await b.posted('summary:7', taken.token, message, at(TTL + 3))).toBe(true);
      // Recorded: nothing extends or releases it any more.
      expect(await b.extend('summary:7', taken.token, at(TTL + 4), TTL)).toBe(false);
    });

    it('a released claim (the post failed) is claimed again at once, looking first', async () => {
      const a = (await connect()).store.postClaims;
      const claim = await a.claim('thread:inc-9', lease('A'), t0);
      if (claim.kind !== 'claimed') throw new Error('expected a claim');
      expect(await a.release('thread:inc-9', claim.token, at(10))).toBe(true);
      expect(await a.claim('thread:inc-9', lease('A'), at(20))).toEqual({ kind: 'claimed', token: { owner: 'A', attempt: 2 }, lookFirst: true });
    });

    it('two connections racing one key: exactly one claims it', async () => {
      const stores = [(await connect()).store.postClaims, (await connect()).store.postClaims, (await connect()).store.postClaims];
      const claims = await Promise.all(stores.map((s, i) => s.claim('thread:race', lease(`R${i}`), t0)));
      expect(claims.filter((c) => c.kind === 'claimed')).toHaveLength(1);
      expect(claims.filter((c) => c.kind === 'busy')).toHaveLength(2);
    });

    it('prune() forgets claims made before the cutoff, and only those', async () => {
      const a = (await connect()).store.postClaims;
      const claim = await a.claim('thread:old', lease('A'), t0);
      if (claim.kind !== 'claimed') throw new Error('expected a claim');
      await a.posted('thread:old', claim.token, { channel: 'C1', ts: '1.000100' }, at(10));
      // PostgreSQL stamps claims on its own clock: cutoffs far from today keep the test independent of it.
      expect(await a.prune(new Date('2000-01-01T00:00:00Z'))).toBe(0);
      expect(await a.claim('thread:old', lease('B'), at(20))).toMatchObject({ kind: 'posted' });
      expect(await a.prune(new Date('2100-01-01T00:00:00Z'))).toBe(1);
      expect(await a.claim('thread:old', lease('B'), at(30))).toMatchObject({ kind: 'claimed' });
    });
  });
}
