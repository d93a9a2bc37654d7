import type { App } from '@slack/bolt';
import { z } from 'zod';
import type { Logger } from '../ops/logger';
import type { DeliveryDedupe, DeliverySource } from '../store/delivery-dedupe';

/** Seen keys are kept a day: Slack retries an event 3 times within minutes. */
export const DELIVERY_KEEP_MS = 86_400_000;

export interface DeliveryKey {
  source: DeliverySource;
  id: string;
}

const eventSchema = z.object({ type: z.literal('event_callback'), event_id: z.string().min(1) }).loose();
const blockActionsSchema = z
  .object({
    type: z.literal('block_actions'),
    user: z.object({ id: z.string() }).loose(),
    container: z.object({ message_ts: z.string().optional(), view_id: z.string().optional() }).loose().optional(),
    actions: z.array(z.object({ action_id: z.string(), action_ts: z.string().optional() }).loose()).min(1),
  })
  .loose();
const viewSchema = z
  .object({ type: z.enum(['view_submission', 'view_closed']), view: z.object({ id: z.string(), hash: z.string().optional() }).loose() })
  .loose();

/**
 * The key a Slack delivery is recognised by when it arrives again (a retry, or the same delivery on another
 * replica), or undefined for what has none. Events: `event_id` (a retry keeps it; Socket Mode's envelope id
 * changes per attempt, so it is not used). Button clicks: the message, the action's own timestamp, the user
 * and the action (a second click has another `action_ts`, so it is a new delivery). View submissions: the
 * view id and its hash (a resubmitted, edited view has a new hash). Slash commands carry no id and Slack does
 * not retry them: they are never deduplicated.
 */
export function deliveryKeyOf(body: unknown): DeliveryKey | undefined {
  const event = eventSchema.safeParse(body);
  if (event.success) return { source: 'slack_event', id: event.data.event_id };
  const actions = blockActionsSchema.safeParse(body);
  if (actions.success) {
    const { container, user } = actions.data;
    const action = actions.data.actions[0]!;
    if (!action.action_ts) return undefined;
    return {
      source: 'slack_interaction',
      id: `block_actions|${container?.message_ts ?? container?.view_id ?? ''}|${action.action_ts}|${user.id}|${action.action_id}`,
    };
  }
  const view = viewSchema.safeParse(body);
  if (view.success && view.data.view.hash) return { source: 'slack_interaction', id: `${view.data.type}|${view.data.view.id}|${view.data.view.hash}` };
  return undefined;
}

export interface SlackDeliveryDedupeDeps {
  deliveries: Pick<DeliveryDedupe, 'firstSeen'>;
  log: Logger;
  now: () => Date;
  /** Counts a dropped repeat (`stemedb_chatops_duplicate_deliveries_total{source}`). */
  onDuplicate(source: DeliverySource): void;
}

/**
 * A global Bolt middleware, so HTTP and Socket Mode deliveries pass the same check: the store says whether
 * any replica has taken this delivery already; a repeat is acknowledged (Slack stops retrying) and dropped.
 * The key is recorded before the listeners run: a replica that dies mid-handling loses that one delivery
 * rather than having it handled twice.
 */
export function dedupeSlackDeliveries(app: App, deps: SlackDeliveryDedupeDeps): void {
  app.use(async ({ body, ack, next, context }) => {
    const key = deliveryKeyOf(body);
    if (!key) return next();
    let first: boolean;
    try {
      first = await deps.deliveries.firstSeen(key.source, key.id, deps.now());
    } catch (err) {
      // An event is acked before this runs and Slack will not resend it: handle it (the listeners are
      // idempotent where it matters) rather than lose it to a store that failed for a moment.
      deps.log.warn({ err, source: key.source, id: key.id }, 'could not check a Slack delivery for repeats: handling it');
      return next();
    }
    if (first) return next();
    deps.onDuplicate(key.source);
    deps.log.debug({ source: key.source, id: key.id, retryNum: context.retryNum, retryReason: context.retryReason }, 'dropped a repeated Slack delivery');
    if (ack) await (ack as () => Promise<void>)();
  });
}
