import type { Db, Migration } from './database';
import type { Lease, LeaseToken } from './lease';
import type { Sync } from './sqlite/tx-gate';

/** Version range 70-79: replicas. */
export const POST_CLAIM_MIGRATIONS: Migration[] = [
  {
    version: 72,
    name: 'one post per thread-opening message (alert and escalation headers, storm summaries), across replicas',
    sql: `
      CREATE TABLE post_claims (
        key TEXT PRIMARY KEY,            -- 'thread:<incident id>', 'summary:<summary id>'
        owner TEXT NOT NULL,             -- the lease owner posting it (or who posted it)
        attempt INTEGER NOT NULL,        -- counted by every claim: the fence of extend/posted/release
        lease_until TEXT NOT NULL,       -- ISO-8601 UTC; past it, another process may take the post over
        channel TEXT,                    -- set once posted: where the message is
        ts TEXT,
        created_at TEXT NOT NULL
      );
    `,
  },
];

/** What a claim on a post finds: the message already posted, a live claim of someone else, or the claim. */
export type PostClaim =
  | { kind: 'posted'; channel: string; ts: string }
  | { kind: 'busy' }
  /** `lookFirst`: an earlier holder's outcome is unknown (it died, stalled or failed): look for its message before posting. */
  | { kind: 'claimed'; token: LeaseToken; lookFirst: boolean };

/**
 * Messages that open a thread (an incident's header, a storm's summary) have no idempotency key at Slack, and
 * posting one takes a while (the channel is paced): two replicas, or a replica and the one that takes its
 * job over, must not both post it. A claim leases the post to one process; the others wait for it to record
 * the message, or take the claim over once its lease runs out (then they look for the message by its marker
 * first: the holder may have posted it and died before recording). Every write after the claim is fenced by
 * owner and attempt, as job and page leases are.
 *
 * Time: on PostgreSQL leases use the database clock (`clock_timestamp()`); on SQLite the caller's `now`.
 */
export interface PostClaims {
  claim(key: string, lease: Lease, now: Date): Promise<PostClaim>;
  /** Pushes the lease to `ttlMs` from now; false when the claim was lost (taken over) or the post recorded. */
  extend(key: string, token: LeaseToken, now: Date, ttlMs: number): Promise<boolean>;
  /** Records where the message is; false when the claim was lost meanwhile. */
  posted(key: string, token: LeaseToken, message: { channel: string; ts: string }, now: Date): Promise<boolean>;
  /** Gives the claim up without a message (the post failed): the next claim may go at once, looking first. */
  release(key: string, token: LeaseToken, now: Date): Promise<boolean>;
  /** Retention: forgets claims made before `before` (their messages are recorded on the incident or summary). */
  prune(before: Date): Promise<number>;
}

interface ClaimRow {
  owner: string;
  attempt: number;
  lease_until: string;
  channel: string | null;
  ts: string | null;
}

/** The embedded store's implementation (one process per file; the claim still fences a job's takeover). */
export function createSqlitePostClaims(db: Db): Sync<PostClaims> {
  const get = db.prepare('SELECT owner, attempt, lease_until, channel, ts FROM post_claims WHERE key = ?');
  const insert = db.prepare('INSERT INTO post_claims (key, owner, attempt, lease_until, created_at) VALUES (?, ?, 1, ?, ?)');
  const take = db.prepare('UPDATE post_claims SET owner = ?, attempt = attempt + 1, lease_until = ? WHERE key = ? AND ts IS NULL AND lease_until <= ?');
  const FENCE = 'key = @key AND owner = @owner AND attempt = @attempt AND ts IS NULL';
  const fence = (key: string, token: LeaseToken) => ({ key, owner: token.owner, attempt: token.attempt });
  const until = (now: Date, ttlMs: number) => new Date(now.getTime() + ttlMs).toISOString();
  return {
    claim(key, lease, now) {
      return db.transaction((): PostClaim => {
        const row = get.get(key) as ClaimRow | undefined;
        if (!row) {
          insert.run(key, lease.owner, until(now, lease.ttlMs), now.toISOString());
          return { kind: 'claimed', token: { owner: lease.owner, attempt: 1 }, lookFirst: false };
        }
        if (row.channel !== null && row.ts !== null) return { kind: 'posted', channel: row.channel, ts: row.ts };
        if (take.run(lease.owner, until(now, lease.ttlMs), key, now.toISOString()).changes === 0) return { kind: 'busy' };
        return { kind: 'claimed', token: { owner: lease.owner, attempt: row.attempt + 1 }, lookFirst: true };
      })();
    },
    extend: (key, token, now, ttlMs) =>
      db.prepare(`UPDATE post_claims SET lease_until = @until WHERE ${FENCE}`).run({ ...fence(key, token), until: until(now, ttlMs) }).changes > 0,
    posted: (key, token, message) =>
      db.prepare(`UPDATE post_claims SET channel = @channel, ts = @ts WHERE ${FENCE}`).run({ ...fence(key, token), channel: message.channel, ts: message.ts })
        .changes > 0,
    release: (key, token, now) =>
      db.prepare(`UPDATE post_claims SET lease_until = @until WHERE ${FENCE}`).run({ ...fence(key, token), until: now.toISOString() }).changes > 0,
    prune: (before) => db.prepare('DELETE FROM post_claims WHERE created_at < ?').run(before.toISOString()).changes,
  };
}
