import type { SlackPace } from '../../../src/slack/slack-pace';
import type { DeliveryDedupe } from '../../../src/store/delivery-dedupe';
import type { StoreConnection } from './store-factory';

/** The replica repositories (delivery dedupe, shared Slack pace) of a contract connection's store. */
export function replicaModules(connection: StoreConnection): { dedupe: DeliveryDedupe; pace: SlackPace } {
  return { dedupe: connection.store.deliveries, pace: connection.store.slackPace };
}
