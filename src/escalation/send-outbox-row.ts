import type { Services } from '../app/services';
import { delivered, failedForGood, type DeliveryResult } from '../pagers/delivery-result';
import { dedupKeyFor, sendPagerdutyEvent } from '../pagers/pagerduty-pager';
import type { SlackDirectory } from '../pagers/slack-directory';
import { slackDm, slackFailure, slackGroupMembers, slackThreadPost, slackUpdate } from '../pagers/slack-pager';
import { sendWebhook } from '../pagers/webhook-pager';
import { closedPageView, levelPostView, noteView, pageView, type TargetOutcome } from './escalation-views';
import { markerOf, type OutboxRow } from './outbox-rows';
import { packetDetails, packetHeadline } from './packet-text';

export interface Thread {
  channel: string;
  ts: string;
}

export interface SendEnv {
  services: Pick<Services, 'messenger' | 'secret'>;
  directory: SlackDirectory | undefined;
  pagerdutyUrl: string;
  requestTimeoutMs: number;
  /** The incident's thread, posting a header for it first when it has none (undefined: nowhere to post). */
  thread(row: OutboxRow): Promise<Thread | undefined>;
  /** The thread if it exists already: pages link to it but never wait for it (the alert channel is paced). */
  knownThread(row: OutboxRow): Promise<Thread | undefined>;
  /** The level's targets and how each fared, for its post in the thread. */
  outcomes(row: OutboxRow): Promise<TargetOutcome[]>;
  /**
   * Runs right before a Slack post leaves (after the channel's pace): rejects when this process no longer holds
   * the row's lease, which drops the post. A sender stalled past its lease must not post what the process that
   * took the row over has looked for, not found, and posted.
   */
  beforeSend?: () => Promise<void>;
}

/** `https://slack.com/archives/C0ALERTS/p1700000000000100`: Slack redirects it into the workspace. */
export function threadLink(thread: Thread | undefined): string | undefined {
  return thread ? `https://slack.com/archives/${thread.channel}/p${thread.ts.replace('.', '')}` : undefined;
}

const SLACK_POSTS = new Set(['slack_dm', 'slack_thread', 'slack_note']);

/**
 * Carries out one outbox row: the pager call for its kind. A Slack post being retried is first looked for
 * in Slack (by its marker block), since the earlier attempt may have landed before its answer was lost.
 */
export async function sendOutboxRow(row: OutboxRow, env: SendEnv): Promise<DeliveryResult> {
  const { services } = env;
  const marker = markerOf(row.key);
  const p = row.payload;
  try {
    if (row.attempts > 0 && SLACK_POSTS.has(p.kind) && env.directory) {
      const where = p.kind === 'slack_dm' ? { userId: row.target } : await env.thread(row).then((t) => t && { channel: t.channel, threadTs: t.ts });
      const found = where ? await env.directory.findMarked(where, marker, row.createdAt) : undefined;
      if (found) return delivered({ ...found, confirmedAfterRestart: true });
    }
  } catch (err) {
    return { ...(slackFailure(err) as Extract<DeliveryResult, { ok: false }>), retryable: true, notAttempted: true };
  }
  switch (p.kind) {
    case 'slack_dm':
      return slackDm(
        services.messenger,
        row.target,
        pageView(p.page, { marker, threadLink: threadLink(await env.knownThread(row)), viaGroup: p.viaGroup }),
        env.beforeSend,
      );
    case 'slack_group': {
      const members = await slackGroupMembers(services.messenger, row.target);
      return members.ok ? delivered({ members: members.members }) : members;
    }
    case 'slack_thread':
    case 'slack_note': {
      let thread: Thread | undefined;
      try {
        thread = await env.thread(row);
      } catch (err) {
        return slackFailure(err);
      }
      if (!thread) return failedForGood('no incident thread to post in (set slack.alertChannel)');
      const view =
        p.kind === 'slack_thread'
          ? levelPostView(p, await env.outcomes(row), { marker, pagedAt: row.createdAt })
          : noteView(p.text, { marker, incidentId: row.incidentId, ackButton: p.ackButton });
      return slackThreadPost(services.messenger, thread.channel, thread.ts, view, env.beforeSend);
    }
    case 'slack_update':
      return slackUpdate(services.messenger, p.channel, p.ts, closedPageView(p.text));
    case 'pagerduty': {
      const routingKey = services.secret(p.routingKeyEnv);
      if (!routingKey) return failedForGood(`${p.routingKeyEnv} is not set: no PagerDuty routing key`);
      const dedupKey = dedupKeyFor(row.incidentId);
      if (p.action !== 'trigger' || !p.page) return sendPagerdutyEvent(env.pagerdutyUrl, { action: p.action, routingKey, dedupKey }, env.requestTimeoutMs);
      const { packet } = p.page;
      const link = threadLink(await env.knownThread(row));
      return sendPagerdutyEvent(
        env.pagerdutyUrl,
        {
          action: 'trigger',
          routingKey,
          dedupKey,
          summary: `${packetHeadline(packet)} [${p.page.levelName}, ${row.incidentId}]`,
          source: packet.node ?? 'stemedb-chatops',
          customDetails: { ...packetDetails(packet), level: p.page.level + 1, level_name: p.page.levelName, round: p.page.round, page_key: row.key },
          links: [{ href: packet.runbookUrl, text: 'Runbook: High Storage Error Rate' }, ...(link ? [{ href: link, text: 'Slack incident thread' }] : [])],
        },
        env.requestTimeoutMs,
      );
    }
    case 'webhook': {
      const token = p.tokenEnv ? services.secret(p.tokenEnv) : undefined;
      if (p.tokenEnv && !token) return failedForGood(`${p.tokenEnv} is not set: no webhook token`);
      const page = p.page;
      const body: Record<string, unknown> = {
        event: p.action,
        idempotency_key: row.key,
        incident: row.incidentId,
        ...(page
          ? {
              level: page.level + 1,
              level_name: page.levelName,
              round: page.round,
              text: `[StemeDB] ${packetHeadline(page.packet)} (${row.incidentId}): acknowledge in Slack`,
              details: packetDetails(page.packet),
            }
          : {}),
        ...(p.by ? { by: p.by } : {}),
      };
      return sendWebhook({ url: p.url, token, idempotencyKey: row.key, body }, env.requestTimeoutMs);
    }
  }
}
