import { FAKE_TEAM, type FakeMessage } from '../harness/fake-slack';
import type { TestBot } from '../harness/start-bot';

export const OPERATOR = 'U0OPS';

/** Settings that make a compaction take seconds in tests. */
export const FAST_COMPACTION = { progressInterval: '200ms', progressTimeout: '20s', maxPerNodePerHour: 2 };

let seq = 0;
export const responseId = (prefix: string) => `${prefix}-${(seq += 1)}-${Math.random().toString(36).slice(2, 8)}`;

type Body = { text?: string; blocks?: unknown; replace_original?: boolean; response_type?: string };

/** The latest body posted to a response URL, once there is one. */
export async function responseBody(bot: TestBot, id: string, match: (b: Body) => boolean = () => true, timeoutMs = 10_000): Promise<Body> {
  return bot.fake.waitFor(() => {
    const found = bot.fake
      .responses(id)
      .map((r) => r.body as Body)
      .filter(match);
    return found.at(-1);
  }, timeoutMs);
}

/** The value of the button with this action id in a message's blocks. */
export function buttonValue(body: { blocks?: unknown }, actionId: string): string {
  const match = JSON.stringify(body.blocks ?? []).match(new RegExp(`"action_id":"${actionId}","value":"((?:[^"\\\\]|\\\\.)*)"`));
  if (!match) throw new Error(`no ${actionId} button in ${JSON.stringify(body.blocks)}`);
  return JSON.parse(`"${match[1]}"`) as string;
}

/** `/stemedb <text>` as `user`; resolves with the ephemeral answer. */
export async function ask(bot: TestBot, text: string, user = OPERATOR): Promise<Body> {
  const id = responseId('cmd');
  const res = await bot.command(text, { user_id: user, user_name: user.toLowerCase() }, id);
  if (res.status !== 200) throw new Error(`slash command answered ${res.status}`);
  return responseBody(bot, id);
}

/** Clicks a button on an ephemeral message (the confirmation) as `user`; returns the response id. */
export async function clickEphemeral(bot: TestBot, actionId: string, value: string, user = OPERATOR): Promise<string> {
  const id = responseId('click');
  const res = await bot.click(actionId, value, {
    user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: FAKE_TEAM.teamId },
    container: { type: 'message', message_ts: '1700000009.000900', channel_id: 'C0ALERTS', is_ephemeral: true },
    message: undefined,
    response_url: bot.fake.responseUrl(id),
  });
  if (res.status !== 200) throw new Error(`click answered ${res.status}`);
  return id;
}

/** Clicks a button on a bot message (a diagnosis or alert message) as `user`; returns the response id. */
export async function clickMessage(bot: TestBot, actionId: string, value: string, user = OPERATOR, messageTs = '1700000000.000100'): Promise<string> {
  const id = responseId('button');
  const res = await bot.click(actionId, value, {
    user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: FAKE_TEAM.teamId },
    message: { type: 'message', user: FAKE_TEAM.botUserId, bot_id: FAKE_TEAM.botId, ts: messageTs, text: '', blocks: [] },
    container: { type: 'message', message_ts: messageTs, channel_id: 'C0ALERTS', is_ephemeral: false },
    response_url: bot.fake.responseUrl(id),
  });
  if (res.status !== 200) throw new Error(`click answered ${res.status}`);
  return id;
}

/** A message in the channel whose text matches, once it does. */
export function waitForMessage(bot: TestBot, match: (m: FakeMessage) => boolean, timeoutMs = 20_000): Promise<FakeMessage> {
  return bot.fake.waitFor(() => bot.fake.messages('C0ALERTS').find(match), timeoutMs);
}

export async function simStats(
  bot: TestBot,
  node: string,
): Promise<{ sst_file_count: number; total_bytes: number; pending_compaction_bytes: number; compaction_running: boolean }> {
  return (await fetch(`${bot.sim.node(node).apiUrl}/v1/admin/storage/stats`)).json() as never;
}

/** Asks for a compaction and returns the Confirm button's value. */
export async function requestConfirmation(bot: TestBot, node: string, user = OPERATOR, flags = ''): Promise<{ body: Body; value: string }> {
  const body = await ask(bot, `compact ${node}${flags}`, user);
  return { body, value: buttonValue(body, 'compaction_confirm') };
}
