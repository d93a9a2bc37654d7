import type { DeliveryResult } from '../pagers/delivery-result';
import type { EscalationEngine, EscalationRepositories } from './escalation-engine';
import { pageKey, type OutboxRow } from './outbox-rows';
import { actorText, closePageRow } from './plan-effects';
import { nextAttemptDelay, type RetryPolicy } from './retry-policy';
import type { Services } from '../app/services';
import type { LeaseToken } from '../store/lease';

/** Thrown inside the transaction when the row's lease went to another process: nothing of this outcome is kept. */
class LeaseLost extends Error {}
const held = (ok: boolean) => {
  if (!ok) throw new LeaseLost('the outbox row was taken over by another process');
};

export interface RecordDeps {
  services: Pick<Services, 'log' | 'metrics' | 'charts'>;
  engine: EscalationEngine;
  store: EscalationRepositories;
  retry: RetryPolicy;
}

/**
 * Records how one delivery went, in one transaction: sent (a group becomes one DM row per member, the
 * incident timeline gets 'paged'), back to pending with backoff, or failed for good (a note in the thread,
 * and the level is given up on at once when nobody at it can be reached any more). Metrics and logs follow
 * the commit, so a transaction run again (PostgreSQL) or rolled back counts nothing. Fenced by the claim's
 * `lease`: when another process took the row over meanwhile, nothing is written and the result is false.
 */
export async function recordDelivery(deps: RecordDeps, row: OutboxRow, lease: LeaseToken, result: DeliveryResult, now: number): Promise<boolean> {
  const { engine, store, services } = deps;
  const level = row.level === null ? 'none' : String(row.level + 1);
  const attemptsMade = row.attempts + (!result.ok && result.notAttempted ? 0 : 1);
  const delay = !result.ok && result.retryable ? nextAttemptDelay(deps.retry, attemptsMade, Math.random, result.retryAfterMs) : undefined;
  const kept = await store
    .withTx(async (tx) => {
      const { outbox } = tx;
      const escalation = await tx.escalations.get(row.escalationId);
      const stopped = escalation !== undefined && escalation.state.status !== 'active' && escalation.state.status !== 'exhausted';
      if (result.ok) {
        if (row.kind === 'slack_group' && row.payload.kind === 'slack_group' && !stopped) {
          const members = ((result.detail.members as string[] | undefined) ?? []).filter((user) => !escalation?.chain.skipUsers?.includes(user));
          const page = row.payload.page;
          await outbox.insert(
            members.map((user) => ({
              key: pageKey(row.escalationId, page.level, page.round, 'slack_dm', user),
              escalationId: row.escalationId,
              incidentId: row.incidentId,
              level: row.level,
              round: row.round,
              target: user,
              payload: { kind: 'slack_dm' as const, page, viaGroup: row.target },
              dueAt: row.dueAt,
            })),
            now,
          );
        }
        held(await outbox.markSent(row.id, lease, now, result.detail));
        // A page that was in flight when someone acknowledged: close it too.
        const closer = stopped && row.kind === 'slack_dm' ? (escalation?.ackedBy ?? escalation?.endedBy) : null;
        const close = closer
          ? closePageRow({ ...row, status: 'sent', result: result.detail }, escalation?.ackedBy ? 'acked' : 'resolved', closer, now)
          : undefined;
        if (close) await outbox.insert([close], now);
        if (row.reachesHuman) {
          await tx.incidents.addEvent(row.incidentId, 'paged', new Date(now), null, {
            userIds: row.kind === 'slack_dm' ? [row.target] : [],
            channel: row.kind,
            level: row.level,
            round: row.round,
            escalationId: row.escalationId,
            key: row.key,
            target: row.target,
            levelName: levelNameOf(escalation, row),
          });
        }
        if (row.kind === 'slack_group' && row.level !== null && row.round !== null) await engine.checkLevelReached(row.escalationId, row.level, row.round, now);
        return;
      }
      if (delay !== undefined) {
        held(await outbox.markRetry(row.id, lease, now + delay, result.error, result.notAttempted === true));
        return;
      }
      held(await outbox.markFailed(row.id, lease, result.error));
      if (row.level === null && (row.payload.kind === 'pagerduty' || row.payload.kind === 'webhook')) {
        const text = `:warning: Telling ${targetText(row)} "${row.payload.action}" failed: ${result.error}.`;
        await outbox.insert(
          [
            {
              key: `${row.key}:failed`,
              escalationId: row.escalationId,
              incidentId: row.incidentId,
              level: null,
              round: null,
              target: 'thread',
              payload: { kind: 'slack_note', text, ackButton: false },
              dueAt: now,
            },
          ],
          now,
        );
      }
      if (row.level === null || row.kind === 'slack_thread') return;
      await tx.incidents.addEvent(row.incidentId, 'page_failed', new Date(now), null, {
        channel: row.kind,
        level: row.level,
        round: row.round,
        target: row.target,
        error: result.error,
        escalationId: row.escalationId,
        levelName: levelNameOf(escalation, row),
      });
      const tries = result.retryable ? ` after ${attemptsMade} attempts` : '';
      await outbox.insert(
        [
          {
            key: `${row.key}:failed`,
            escalationId: row.escalationId,
            incidentId: row.incidentId,
            level: null,
            round: null,
            target: 'thread',
            payload: { kind: 'slack_note', text: `:x: Paging ${targetText(row)} failed${tries}: ${result.error}.`, ackButton: false },
            dueAt: now,
          },
        ],
        now,
      );
      if (row.round !== null) await engine.checkLevelReached(row.escalationId, row.level, row.round, now);
    })
    .then(
      () => true,
      (err: unknown) => {
        if (err instanceof LeaseLost) return false;
        throw err;
      },
    );
  if (!kept) {
    services.log.warn({ key: row.key, lease }, 'page outcome dropped: its lease was lost to another process, which sends it again');
    return false;
  }
  if (result.ok) {
    if (row.level !== null && row.kind !== 'slack_thread') services.metrics.pages.inc({ level, channel: row.kind, outcome: 'sent' });
    return true;
  }
  if (delay !== undefined) {
    services.log.warn({ key: row.key, error: result.error, attempt: attemptsMade, retryInMs: delay }, 'page failed: retrying');
    return true;
  }
  services.log.warn({ key: row.key, error: result.error, attempts: attemptsMade }, 'page failed for good');
  if (row.level !== null && row.kind !== 'slack_thread') services.metrics.pages.inc({ level, channel: row.kind, outcome: 'failed' });
  return true;
}

/** The chain level's name a page belongs to, for the timeline. */
function levelNameOf(escalation: { chain: { levels: { name: string }[] } } | undefined, row: OutboxRow): string | undefined {
  return row.level === null ? undefined : escalation?.chain.levels[row.level]?.name;
}

/** How a page's target reads in the thread: a mention, PagerDuty's key name, the webhook's host. */
export function targetText(row: OutboxRow): string {
  switch (row.kind) {
    case 'slack_dm':
      return `${actorText(row.target)}${row.payload.kind === 'slack_dm' && row.payload.viaGroup ? ` (via user group \`${row.payload.viaGroup}\`)` : ''}`;
    case 'slack_group':
      return `user group \`${row.target}\``;
    case 'pagerduty':
      return `PagerDuty (\`${row.target}\`)`;
    case 'webhook':
      return `the webhook (${safeHost(row.target)})`;
    default:
      return row.target;
  }
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'webhook';
  }
}
