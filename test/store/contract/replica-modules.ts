import { createPgSlackPace } from '../../../src/slack/pg-slack-pace';
import { createSqliteSlackPace, type SlackPace } from '../../../src/slack/slack-pace';
import { createSqliteDeliveryDedupe, type DeliveryDedupe } from '../../../src/store/delivery-dedupe';
import { createPgDeliveryDedupe } from '../../../src/store/postgres/pg-delivery-dedupe';
import { asyncRepository, createTxGate } from '../../../src/store/sqlite/tx-gate';
import type { StoreConnection } from './store-factory';

/**
 * The issue-13 modules that are not part of `Repositories` (yet), built on a contract connection's raw
 * handle the way the runtime will: SQLite through its own transaction gate, PostgreSQL on the session.
 */
export function replicaModules(connection: StoreConnection): { dedupe: DeliveryDedupe; pace: SlackPace } {
  const raw = connection.raw;
  if (!raw) throw new Error('this store factory gives no raw handle');
  if (raw.kind === 'postgres') return { dedupe: createPgDeliveryDedupe(raw.session), pace: createPgSlackPace(raw.session) };
  const gate = createTxGate(raw.db);
  return {
    dedupe: asyncRepository<DeliveryDedupe>(createSqliteDeliveryDedupe(raw.db), gate),
    pace: asyncRepository<SlackPace>(createSqliteSlackPace(raw.db), gate),
  };
}
