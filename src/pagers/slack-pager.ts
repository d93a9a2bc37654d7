import type { ChatPort } from '../surfaces/chat-port';
import { slackErrorOf } from '../slack/slack-queue';
import type { View } from '../surfaces/view';
import { delivered, failedForGood, failedForNow, type DeliveryResult } from './delivery-result';

/** Slack errors that no retry will fix, with the sentence the thread shows. */
const PERMANENT: Record<string, string> = {
  user_not_found: 'Slack user not found',
  users_not_found: 'Slack user not found',
  user_disabled: 'the Slack account is deactivated',
  account_inactive: 'the Slack account is deactivated',
  cannot_dm_bot: 'that user is a bot',
  channel_not_found: 'channel or DM not found',
  not_in_channel: 'the bot is not in the channel',
  is_archived: 'the channel is archived',
  no_such_subteam: 'user group not found',
  subteam_not_found: 'user group not found',
  invalid_blocks: 'Slack refused the message (invalid blocks)',
  msg_too_long: 'Slack refused the message (too long)',
  message_not_found: 'the message is gone',
  missing_scope: 'the bot lacks a Slack scope for this',
  not_authed: 'the bot token is missing',
  invalid_auth: 'the bot token is invalid',
  restricted_action: 'a workspace policy blocks this',
};

/** Classifies a failed Slack call: Slack's own refusals are final, transport trouble and 5xx are retried. */
export function slackFailure(err: unknown): DeliveryResult {
  const code = slackErrorOf(err);
  const message = (err as Error | undefined)?.message ?? String(err);
  if (/queue (is|was) closed/.test(message)) return { ok: false, retryable: true, error: 'the bot is shutting down', notAttempted: true };
  if (code && PERMANENT[code]) return failedForGood(PERMANENT[code]!);
  if (/did not open a DM/.test(message)) return failedForGood('Slack would not open a DM with that user');
  return failedForNow(code ? `Slack error ${code}` : `Slack unreachable: ${message.slice(0, 160)}`);
}

/** A page by direct message; the result keeps the DM's channel and ts (to close the page after an ack). */
export async function slackDm(messenger: ChatPort, userId: string, view: View, beforeSend?: () => Promise<void>): Promise<DeliveryResult> {
  try {
    const posted = await messenger.dm(userId, view, { priority: 'page', ...(beforeSend ? { beforeSend } : {}) });
    return delivered({ channel: posted.channel, ts: posted.ts });
  } catch (err) {
    return slackFailure(err);
  }
}

/** A post in the incident thread, at page priority (mentions must notify, so they are new posts). */
export async function slackThreadPost(
  messenger: ChatPort,
  channel: string,
  threadTs: string | undefined,
  view: View,
  beforeSend?: () => Promise<void>,
): Promise<DeliveryResult> {
  try {
    const posted = await messenger.post(channel, view, {
      ...(threadTs ? { threadTs } : {}),
      priority: 'page',
      mentionsOk: true,
      ...(beforeSend ? { beforeSend } : {}),
    });
    return delivered({ channel: posted.channel, ts: posted.ts });
  } catch (err) {
    return slackFailure(err);
  }
}

export async function slackUpdate(messenger: ChatPort, channel: string, ts: string, view: View): Promise<DeliveryResult> {
  try {
    await messenger.update(channel, ts, view, 'status');
    return delivered({ channel, ts });
  } catch (err) {
    return slackFailure(err);
  }
}

/** A user group's members, resolved when the level is paged (not when the chain was configured). */
export async function slackGroupMembers(
  messenger: ChatPort,
  groupId: string,
): Promise<{ ok: true; members: string[] } | Extract<DeliveryResult, { ok: false }>> {
  try {
    return { ok: true, members: await messenger.userGroupMembers(groupId) };
  } catch (err) {
    return slackFailure(err) as Extract<DeliveryResult, { ok: false }>;
  }
}
