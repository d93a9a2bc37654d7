import { FAKE_TEAM } from '../harness/fake-slack';
import { sendInteraction, type SendOptions, type SlackHttpResponse } from '../harness/slack-requests';
import { SIGNING_SECRET, type TestBot } from '../harness/start-bot';
import { NOTE_SHORTCUT } from '../../src/timeline/note-shortcut';

/** A runbook-shaped chain of single users, so who was paged and who acked is easy to check. */
export function userChain(primaryAckTimeout = '1500ms'): Record<string, unknown> {
  return {
    levels: [
      { name: 'Primary on-call: Storage SRE', ackTimeout: primaryAckTimeout, slack: { users: ['USRE1'] } },
      { name: 'Secondary: Database engineer', ackTimeout: '60s', slack: { users: ['UDBE1'] } },
      { name: 'Final: Principal engineer + on-call manager', ackTimeout: '60s', slack: { users: ['UPE1'] } },
    ],
    repeat: { every: '0s', times: 0 },
    retry: { attempts: 2, initialDelay: '100ms', maxDelay: '200ms' },
  };
}

/** `/stemedb <text>` as `user`; resolves with the reply's text. */
export async function ask(bot: TestBot, text: string, user: string): Promise<string> {
  const id = `r-${Math.random().toString(36).slice(2, 10)}`;
  const res = await bot.command(text, { user_id: user, user_name: user.toLowerCase() }, id);
  if (res.status !== 200) throw new Error(`slash command answered ${res.status}`);
  const reply = await bot.fake.waitFor(() => bot.fake.responses(id)[0], 15_000);
  return String((reply.body as { text?: string }).text ?? '');
}

/** Slack's `message_action` payload for the "Add to timeline" shortcut on a thread message. */
export function shortcutPayload(
  bot: TestBot,
  fields: { user: string; channel: string; threadTs: string; ts: string; text: string; author: string; responseId: string },
) {
  return {
    type: 'message_action',
    callback_id: NOTE_SHORTCUT,
    trigger_id: '1337.42.abcd',
    action_ts: `${Math.floor(Date.now() / 1000)}.000100`,
    team: { id: FAKE_TEAM.teamId, domain: FAKE_TEAM.teamDomain },
    user: { id: fields.user, username: fields.user.toLowerCase(), team_id: FAKE_TEAM.teamId, name: fields.user.toLowerCase() },
    channel: { id: fields.channel, name: 'alerts' },
    is_enterprise_install: false,
    enterprise: null,
    token: 'legacy-verification-token',
    response_url: bot.fake.responseUrl(fields.responseId),
    message_ts: fields.ts,
    message: { type: 'message', user: fields.author, ts: fields.ts, thread_ts: fields.threadTs, text: fields.text },
  };
}

export function sendShortcut(bot: TestBot, payload: object, opts: SendOptions = {}): Promise<SlackHttpResponse> {
  return sendInteraction(bot.eventsUrl, SIGNING_SECRET, payload, opts);
}

/** "1m 5s" / "42s" / "1h 2m" (formatDuration) back to seconds. */
export function secondsOf(text: string): number {
  let total = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)([dhms])/g)) total += Number(n) * { d: 86_400, h: 3_600, m: 60, s: 1 }[unit as 'd' | 'h' | 'm' | 's'];
  return total;
}

/** A Slack ts for a moment. */
export const tsOf = (ms: number) => `${Math.floor(ms / 1000)}.${String((ms % 1000) * 1000).padStart(6, '0')}`;
