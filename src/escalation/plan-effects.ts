import { createHash } from 'node:crypto';
import { formatDuration } from '../config/duration';
import type { ChainSnapshot } from './chain-snapshot';
import type { EscalationPacket } from './escalation-packet';
import type { EscalationEffect } from './escalation-machine';
import { pageKey, type NewOutboxRow, type OutboxRow, type PageContext } from './outbox-rows';
import { clockTime, escapeSlack } from './packet-text';

export interface PlanContext {
  escalationId: string;
  incidentId: string;
  chain: ChainSnapshot;
  /** Built when a level is paged, so a later level carries the latest diagnosis. Required for `page_level`. */
  packet?: EscalationPacket;
  now: number;
  /** The escalation's rows so far (which DMs to close, which PagerDuty keys to acknowledge or resolve). */
  rows: readonly OutboxRow[];
}

export interface Plan {
  rows: NewOutboxRow[];
  /** Cancel the escalation's pages not sent yet (acked or resolved: a page after that is noise). */
  cancelPending: boolean;
}

/** "<@U123>" for a Slack user, the plain name for 'bot', 'alertmanager' and the shell's user. */
export function actorText(by: string): string {
  return /^[UW][A-Z0-9]+$/.test(by) ? `<@${by}>` : escapeSlack(by);
}

/**
 * Turns the machine's effects into outbox rows with idempotency keys. Pure: the caller writes the rows
 * (INSERT OR IGNORE on the key) in the same transaction as the new escalation state.
 */
export function planEffects(effects: readonly EscalationEffect[], ctx: PlanContext): Plan {
  const plan: Plan = { rows: [], cancelPending: false };
  const { escalationId: esc, incidentId, chain, now } = ctx;
  const row = (key: string, target: string, payload: NewOutboxRow['payload'], extra: { level?: number; round?: number; dueAt?: number } = {}) =>
    plan.rows.push({ key, escalationId: esc, incidentId, level: extra.level ?? null, round: extra.round ?? null, target, payload, dueAt: extra.dueAt ?? now });
  const note = (key: string, text: string, ackButton = false) => row(`${esc}:note:${key}`, 'thread', { kind: 'slack_note', text, ackButton });

  for (const effect of effects) {
    switch (effect.type) {
      case 'page_level': {
        const { level, round, dueAt } = effect;
        const config = chain.levels[level]!;
        if (!ctx.packet) throw new Error('planEffects: paging a level needs the packet');
        const last = level === chain.levels.length - 1;
        const nextLevelName = !last ? chain.levels[level + 1]!.name : round <= chain.repeat.times ? `${chain.levels[0]!.name} (round ${round + 1})` : null;
        const page: PageContext = {
          packet: ctx.packet,
          level,
          round,
          levelName: config.name,
          levelCount: chain.levels.length,
          ackTimeoutMs: config.ackTimeoutMs,
          nextLevelName,
        };
        const at = { level, round, dueAt };
        row(
          pageKey(esc, level, round, 'slack_thread', 'level'),
          'thread',
          {
            kind: 'slack_thread',
            page,
            groups: config.slackGroups,
            users: config.slackUsers.filter((u) => !chain.skipUsers?.includes(u)),
            pagerduty: Boolean(config.pagerdutyKeyEnv),
            webhook: Boolean(config.webhook),
          },
          at,
        );
        for (const user of new Set(config.slackUsers))
          if (!chain.skipUsers?.includes(user)) row(pageKey(esc, level, round, 'slack_dm', user), user, { kind: 'slack_dm', page }, at);
        for (const group of new Set(config.slackGroups)) row(pageKey(esc, level, round, 'slack_group', group), group, { kind: 'slack_group', page }, at);
        if (config.pagerdutyKeyEnv)
          row(
            pageKey(esc, level, round, 'pagerduty', config.pagerdutyKeyEnv),
            config.pagerdutyKeyEnv,
            { kind: 'pagerduty', action: 'trigger', routingKeyEnv: config.pagerdutyKeyEnv, page },
            at,
          );
        if (config.webhook)
          row(
            pageKey(esc, level, round, 'webhook', 'webhook'),
            config.webhook.url,
            { kind: 'webhook', action: 'page', url: config.webhook.url, tokenEnv: config.webhook.tokenEnv, page },
            at,
          );
        break;
      }
      case 'note':
        switch (effect.note) {
          case 'unreachable': {
            const name = chain.levels[effect.level]?.name ?? '?';
            const next = chain.levels[effect.level + 1]?.name;
            note(
              `unreachable:L${effect.level + 1}:R${effect.round}`,
              `:fast_forward: Nobody at *${escapeSlack(name)}* could be reached: ${next ? `paging *${escapeSlack(next)}* now` : 'going on with the chain now'} instead of waiting out ${formatDuration(chain.levels[effect.level]?.ackTimeoutMs ?? 0)}.`,
            );
            break;
          }
          case 'round_scheduled':
            note(
              `round:R${effect.round}`,
              `:repeat: Nobody acknowledged. The chain starts again from the first level (round ${effect.round} of ${chain.repeat.times + 1}) at ${clockTime(effect.at)}.`,
              true,
            );
            break;
          case 'exhausted':
            note(
              'exhausted',
              `:warning: Nobody acknowledged after ${effect.rounds} round(s) of the chain: paging has stopped. \`/stemedb escalate\` starts it again.`,
            );
            break;
          case 'acked':
            note(
              'acked',
              `:white_check_mark: ${actorText(effect.by)} acknowledged at ${clockTime(now)}${effect.level !== null ? ` (while paging ${escapeSlack(chain.levels[effect.level]?.name ?? '?')})` : ''}. Paging has stopped.`,
            );
            break;
          case 'resolved':
            note('resolved', `:large_green_circle: Resolved by ${actorText(effect.by)} at ${clockTime(now)}: paging has stopped.`);
            break;
        }
        break;
      case 'cancel_pending':
        plan.cancelPending = true;
        break;
      case 'close_pages':
        for (const dm of ctx.rows) {
          const update = closePageRow(dm, effect.reason, effect.by, now);
          if (update) plan.rows.push(update);
        }
        break;
      case 'pagerduty': {
        // Anything PagerDuty may have seen: a trigger in flight, or one tried before a crash and now cancelled.
        const accepted = (r: OutboxRow) => r.status === 'sent' || r.status === 'sending' || r.attempts > 0;
        const keys = new Set(ctx.rows.filter((r) => r.kind === 'pagerduty' && r.level !== null && accepted(r)).map((r) => r.target));
        for (const env of keys) row(`${esc}:pagerduty:${effect.action}:${env}`, env, { kind: 'pagerduty', action: effect.action, routingKeyEnv: env });
        const hooks = ctx.rows.filter((r) => r.kind === 'webhook' && r.level !== null && accepted(r));
        for (const url of new Set(hooks.map((r) => r.target))) {
          const first = hooks.find((h) => h.target === url)?.payload;
          const tokenEnv = first?.kind === 'webhook' ? first.tokenEnv : undefined;
          const hash = createHash('sha256').update(url).digest('hex').slice(0, 10);
          row(`${esc}:webhook:${effect.action}:${hash}`, url, { kind: 'webhook', action: effect.action, url, tokenEnv, by: effect.by });
        }
        break;
      }
    }
  }
  return plan;
}

/** The update that takes the Acknowledge button off a page DM once the chain stopped (undefined: not a sent DM). */
export function closePageRow(dm: OutboxRow, reason: 'acked' | 'resolved', by: string, now: number): NewOutboxRow | undefined {
  const channel = dm.result?.channel;
  const ts = dm.result?.ts;
  if (dm.kind !== 'slack_dm' || dm.status !== 'sent' || typeof channel !== 'string' || typeof ts !== 'string') return undefined;
  const verb = reason === 'acked' ? 'Acknowledged' : 'Resolved';
  const text = `:white_check_mark: ${verb} by ${actorText(by)} at ${clockTime(now)} (${dm.incidentId}): no action needed from you.`;
  return {
    key: `${dm.key}:closed`,
    escalationId: dm.escalationId,
    incidentId: dm.incidentId,
    level: null,
    round: null,
    target: dm.target,
    payload: { kind: 'slack_update', channel, ts, text },
    dueAt: now,
  };
}
