import { createHmac } from 'node:crypto';
import type { BlockAction, ButtonAction, SlashCommand, ViewOutput, ViewSubmitAction } from '@slack/bolt';
import { FAKE_TEAM } from './fake-slack';

/** Port 9 refuses connections: a test that forgot `response_url: fake.responseUrl()` fails fast, offline. */
export const UNSET_RESPONSE_URL = 'http://127.0.0.1:9/response/unset';
export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

export interface SlackSignatureHeaders {
  'x-slack-signature': string;
  'x-slack-request-timestamp': string;
}

export interface SendOptions {
  /** Sign with a different secret. */
  forgeSignature?: boolean;
  timestampSec?: number;
  /** Send no `x-slack-signature` header (the timestamp header is still sent). */
  omitSignature?: boolean;
  /** Override the content type, e.g. to prove `; charset=UTF-8` is refused. */
  contentType?: string;
  /** Extra headers, e.g. `x-slack-retry-num`. */
  headers?: Record<string, string>;
}

export interface SlackHttpResponse {
  status: number;
  body: string;
  headers: Headers;
  /** Parses `body`; throws if it is not JSON (Bolt answers a bare `ack()` with an empty body). */
  json<T = unknown>(): T;
}

let sequence = 0;
const nowSec = (): number => Math.floor(Date.now() / 1000);
const triggerId = (): string => `${(sequence += 1)}.${Date.now()}.fake0trigger`;

/**
 * Headers Slack adds to every request: `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>`.
 * @example signSlackRequest('secret', 'command=%2Fstemedb', 1700000000)
 */
export function signSlackRequest(signingSecret: string, rawBody: string, timestampSec = nowSec()): SlackSignatureHeaders {
  const digest = createHmac('sha256', signingSecret).update(`v0:${timestampSec}:${rawBody}`).digest('hex');
  return { 'x-slack-signature': `v0=${digest}`, 'x-slack-request-timestamp': String(timestampSec) };
}

/** A slash command body as Slack sends it (all strings), `/stemedb` by U_ALICE in C0ALERTS. */
export function slashCommandBody(overrides: Partial<SlashCommand> = {}): SlashCommand {
  return {
    token: 'unused-verification-token',
    team_id: FAKE_TEAM.teamId,
    team_domain: FAKE_TEAM.teamDomain,
    channel_id: 'C0ALERTS',
    channel_name: 'alerts',
    user_id: 'U_ALICE',
    user_name: 'alice',
    command: '/stemedb',
    text: '',
    api_app_id: 'A0STEMEDB',
    is_enterprise_install: 'false',
    response_url: UNSET_RESPONSE_URL,
    trigger_id: triggerId(),
    ...overrides,
  };
}

/** One clicked button, as it appears in `actions[]`. */
export function buttonAction(overrides: Partial<ButtonAction> = {}): ButtonAction {
  return {
    type: 'button',
    action_id: 'stemedb_action',
    block_id: 'stemedb_block',
    value: '',
    text: { type: 'plain_text', text: 'Button', emoji: true },
    // Unique per click, as Slack's are: the bot deduplicates interactions on it (slack-delivery-dedupe.ts).
    action_ts: `${nowSec()}.${String((sequence += 1) % 1_000_000).padStart(6, '0')}`,
    ...overrides,
  };
}

/**
 * A `block_actions` payload: U_ALICE clicked a button on a bot message in C0ALERTS. Overrides are
 * shallow; `container` follows the final `message.ts` and `channel.id` unless given.
 */
export function blockActionsPayload(overrides: Partial<BlockAction<ButtonAction>> = {}): BlockAction<ButtonAction> {
  const payload: BlockAction<ButtonAction> = {
    type: 'block_actions',
    user: { id: 'U_ALICE', username: 'alice', name: 'alice', team_id: FAKE_TEAM.teamId },
    api_app_id: 'A0STEMEDB',
    token: 'unused-verification-token',
    container: {},
    trigger_id: triggerId(),
    team: { id: FAKE_TEAM.teamId, domain: FAKE_TEAM.teamDomain },
    is_enterprise_install: false,
    channel: { id: 'C0ALERTS', name: 'alerts' },
    message: {
      type: 'message',
      user: FAKE_TEAM.botUserId,
      bot_id: FAKE_TEAM.botId,
      ts: '1700000000.000100',
      text: '',
      blocks: [],
    },
    state: { values: {} },
    response_url: UNSET_RESPONSE_URL,
    actions: [buttonAction()],
    ...overrides,
  };
  if (!overrides.container) {
    payload.container = {
      type: 'message',
      message_ts: payload.message?.ts,
      channel_id: payload.channel?.id,
      is_ephemeral: false,
    };
  }
  return payload;
}

/** A `view_submission` payload. Overrides are shallow, except `view`, which is merged into the default view. */
export function viewSubmissionPayload(overrides: Partial<Omit<ViewSubmitAction, 'view'>> & { view?: Partial<ViewOutput> } = {}): ViewSubmitAction {
  const { view, ...rest } = overrides;
  return {
    type: 'view_submission',
    team: { id: FAKE_TEAM.teamId, domain: FAKE_TEAM.teamDomain },
    user: { id: 'U_ALICE', name: 'alice', team_id: FAKE_TEAM.teamId },
    api_app_id: 'A0STEMEDB',
    token: 'unused-verification-token',
    trigger_id: triggerId(),
    is_enterprise_install: false,
    response_urls: [],
    ...rest,
    view: {
      id: 'V0000VIEW',
      team_id: FAKE_TEAM.teamId,
      app_id: 'A0STEMEDB',
      app_installed_team_id: FAKE_TEAM.teamId,
      bot_id: FAKE_TEAM.botId,
      type: 'modal',
      callback_id: 'stemedb_modal',
      private_metadata: '',
      title: { type: 'plain_text', text: 'StemeDB' },
      close: null,
      submit: { type: 'plain_text', text: 'Submit' },
      blocks: [],
      state: { values: {} },
      hash: `${nowSec()}.view${(sequence += 1)}`,
      root_view_id: 'V0000VIEW',
      previous_view_id: null,
      clear_on_close: false,
      notify_on_close: false,
      external_id: '',
      ...view,
    },
  };
}

/** `state.values` for plain text inputs: `{ blockId: { actionId: text } }`. */
export function plainTextState(values: Record<string, Record<string, string>>): ViewOutput['state'] {
  const state: ViewOutput['state'] = { values: {} };
  for (const [blockId, actions] of Object.entries(values)) {
    state.values[blockId] = Object.fromEntries(Object.entries(actions).map(([actionId, value]) => [actionId, { type: 'plain_text_input', value }]));
  }
  return state;
}

/** POSTs a signed slash command (fields merged over `slashCommandBody()`) to Bolt's events URL. */
export function sendSlashCommand(
  eventsUrl: string,
  signingSecret: string,
  fields: Partial<SlashCommand> = {},
  opts: SendOptions = {},
): Promise<SlackHttpResponse> {
  const entries = Object.entries(slashCommandBody(fields)).filter(([, v]) => v !== undefined);
  return sendSignedBody(eventsUrl, signingSecret, new URLSearchParams(entries).toString(), opts);
}

/** POSTs a signed interaction (`payload=<json>`), as Slack does for buttons and modals. */
export function sendInteraction(eventsUrl: string, signingSecret: string, payload: object, opts: SendOptions = {}): Promise<SlackHttpResponse> {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return sendSignedBody(eventsUrl, signingSecret, body, opts);
}

/**
 * POSTs any raw body signed as Slack would. The body goes out as a string with the content type set
 * explicitly: Bolt's receiver parses only an exact `application/x-www-form-urlencoded` as a form.
 */
export async function sendSignedBody(url: string, signingSecret: string, rawBody: string, opts: SendOptions = {}): Promise<SlackHttpResponse> {
  const secret = opts.forgeSignature ? `forged-${signingSecret}` : signingSecret;
  const signed: Partial<SlackSignatureHeaders> = signSlackRequest(secret, rawBody, opts.timestampSec);
  if (opts.omitSignature) delete signed['x-slack-signature'];
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': opts.contentType ?? FORM_CONTENT_TYPE, ...signed, ...opts.headers },
    body: rawBody,
  });
  const body = await res.text();
  return { status: res.status, body, headers: res.headers, json: <T>() => JSON.parse(body) as T };
}
