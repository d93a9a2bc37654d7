import { checkDeliveryKey, type DeliveryDedupe } from '../delivery-dedupe';
import type { PgSession } from './pg-session';

/**
 * The PostgreSQL twin of createSqliteDeliveryDedupe. Two replicas inserting the same key at once: the second
 * INSERT waits on the first one's uncommitted row, then does nothing, so exactly one of them sees a row count of 1.
 */
export function createPgDeliveryDedupe(session: PgSession): DeliveryDedupe {
  return {
    async firstSeen(source, id, at) {
      checkDeliveryKey(source, id);
      const inserted = await session.run('INSERT INTO delivery_dedupe (source, id, seen_at) VALUES ($1, $2, $3) ON CONFLICT (source, id) DO NOTHING', [
        source,
        id,
        at,
      ]);
      return inserted === 1;
    },
    prune(before) {
      return session.run('DELETE FROM delivery_dedupe WHERE seen_at < $1', [before]);
    },
  };
}
