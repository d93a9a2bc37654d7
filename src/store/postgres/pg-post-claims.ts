import type { PostClaim, PostClaims } from '../post-claims';
import type { PgSession } from './pg-session';

const until = (ttlMs: number) => `clock_timestamp() + make_interval(secs => ${Number(ttlMs)}::double precision / 1000)`;
const FENCE = 'key = $1 AND owner = $2 AND attempt = $3 AND ts IS NULL';

/**
 * The PostgreSQL twin of createSqlitePostClaims, on the database clock. A claim is at most three statements,
 * each atomic on its own: insert the claim (the primary key lets one replica win), else take an expired one
 * over (the WHERE re-checks under the row lock), else read what is there.
 */
export function createPgPostClaims(session: PgSession): PostClaims {
  return {
    async claim(key, lease): Promise<PostClaim> {
      const inserted = await session.one<{ attempt: number }>(
        `INSERT INTO post_claims (key, owner, attempt, lease_until, created_at) VALUES ($1, $2, 1, ${until(lease.ttlMs)}, clock_timestamp())
         ON CONFLICT (key) DO NOTHING RETURNING attempt`,
        [key, lease.owner],
      );
      if (inserted) return { kind: 'claimed', token: { owner: lease.owner, attempt: inserted.attempt }, lookFirst: false };
      const taken = await session.one<{ attempt: number }>(
        `UPDATE post_claims SET owner = $2, attempt = attempt + 1, lease_until = ${until(lease.ttlMs)}
          WHERE key = $1 AND ts IS NULL AND lease_until <= clock_timestamp() RETURNING attempt`,
        [key, lease.owner],
      );
      if (taken) return { kind: 'claimed', token: { owner: lease.owner, attempt: taken.attempt }, lookFirst: true };
      const row = await session.one<{ channel: string | null; ts: string | null }>('SELECT channel, ts FROM post_claims WHERE key = $1', [key]);
      return row?.channel && row.ts ? { kind: 'posted', channel: row.channel, ts: row.ts } : { kind: 'busy' };
    },
    async extend(key, token, _now, ttlMs) {
      return (await session.run(`UPDATE post_claims SET lease_until = ${until(ttlMs)} WHERE ${FENCE}`, [key, token.owner, token.attempt])) > 0;
    },
    async posted(key, token, message) {
      return (
        (await session.run(`UPDATE post_claims SET channel = $4, ts = $5 WHERE ${FENCE}`, [key, token.owner, token.attempt, message.channel, message.ts])) > 0
      );
    },
    async release(key, token) {
      return (await session.run(`UPDATE post_claims SET lease_until = clock_timestamp() WHERE ${FENCE}`, [key, token.owner, token.attempt])) > 0;
    },
    prune: (before) => session.run('DELETE FROM post_claims WHERE created_at < $1', [before]),
  };
}
