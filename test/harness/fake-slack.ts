import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseQuery } from 'node:querystring';

/** The workspace and bot identity the fake answers `auth.test` with. */
export const FAKE_TEAM = {
  teamId: 'T0STEMEDB',
  teamName: 'StemeDB',
  teamDomain: 'stemedb',
  url: 'https://stemedb.slack.com/',
  botUserId: 'U0BOT',
  botId: 'B0BOT',
  botName: 'stemedb-bot',
} as const;

/** Pseudo-method name: `failNext(RESPONSE_URL, ...)` fails POSTs to response URLs. */
export const RESPONSE_URL = 'response_url';
/** Pseudo-method name: `failNext(UPLOAD_URL, { status: 500 })` fails the next POST to an upload URL. */
export const UPLOAD_URL = 'upload_url';

/** Fields @slack/web-api JSON-encodes inside form bodies; the fake decodes them so tests see objects. */
export const JSON_ENCODED_FIELDS = ['blocks', 'attachments', 'view', 'metadata', 'unfurls', 'user_auth_blocks', 'files'];

/** HTTP status (429 with `retryAfter` sends `Retry-After`), or HTTP 200 `{ok:false, error}`. */
export type SlackFailure = { status: number; retryAfter?: number } | { error: string };

export interface RecordedCall {
  method: string;
  body: Record<string, unknown>;
  rawBody: string;
  headers: IncomingHttpHeaders;
  token: string | undefined;
  at: number;
  status: number;
  response: unknown;
  /** HTTP 200 and `ok: true`. */
  ok: boolean;
}

export interface FakeMessage {
  type: 'message';
  channel: string;
  ts: string;
  user: string;
  bot_id: string;
  text?: string;
  blocks?: unknown;
  attachments?: unknown;
  metadata?: unknown;
  thread_ts?: string;
  reply_count?: number;
  files?: { id: string; name: string }[];
  edited?: { user: string; ts: string };
}

export interface RecordedEphemeral {
  channel: string;
  user: string;
  message_ts: string;
  text?: string;
  blocks?: unknown;
  thread_ts?: string;
}

export interface RecordedResponse {
  id: string;
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  at: number;
  status: number;
}

/** A file sent through the three-step upload: its bytes as POSTed to the upload URL, and where it was shared. */
export interface FakeUpload {
  fileId: string;
  filename: string;
  /** The length announced to `files.getUploadURLExternal`. */
  length: number;
  bytes?: Buffer;
  uploadedAt?: number;
  completed?: { channel: string; threadTs?: string; title?: string; initialComment?: string; at: number; ts: string };
}

export interface FakeSlack {
  /** `http://127.0.0.1:<port>/api/`, for `slackApiUrl`. */
  readonly apiUrl: string;
  readonly baseUrl: string;
  calls(method?: string): RecordedCall[];
  messages(channel?: string): FakeMessage[];
  /** The parent then its replies, oldest first (like `conversations.replies`). */
  thread(channel: string, ts: string): FakeMessage[];
  ephemerals(channel?: string): RecordedEphemeral[];
  /** Files by upload order; `completed` ones were shared (a message with `files` is in `messages()`). */
  uploads(): FakeUpload[];
  responseUrl(id?: string): string;
  responses(id?: string): RecordedResponse[];
  setUserGroup(id: string, members: string[]): void;
  setMissingUsers(ids: string[]): void;
  setUser(id: string, fields: Record<string, unknown>): void;
  failNext(method: string, failure: SlackFailure, times?: number): void;
  /** While on, every API and response_url request gets `status` (default 503). */
  outage(on: boolean, status?: number): void;
  /** While on, calls of `method` are carried out but never answered (a reply lost to a crash or a timeout). */
  loseAnswers(method: string, on: boolean): void;
  /** While on, calls of `method` are carried out and their answers held; turning it off sends them (a slow Slack). */
  holdAnswers(method: string, on: boolean): void;
  /** Polls `predicate` (it may be async: the store's repositories are) until it returns a value. */
  waitFor<T>(predicate: (calls: RecordedCall[]) => Promise<T | undefined | false | null>, timeoutMs?: number): Promise<T>;
  waitFor<T>(predicate: (calls: RecordedCall[]) => T | undefined | false | null, timeoutMs?: number): Promise<T>;
  waitForCall(method: string, match?: (call: RecordedCall) => boolean, timeoutMs?: number): Promise<RecordedCall>;
  /** Forgets traffic, messages and pending failures; keeps users and user groups. */
  reset(): void;
  close(): Promise<void>;
}

type Answer = Record<string, unknown> & { ok: boolean };
type Body = Record<string, unknown>;

const RESPONSE_URL_USES = 5;
const BLOCK_LIMITS = { blocks: 50, totalChars: 12_000, sectionText: 3_000, headerText: 150, actionId: 255, buttonValue: 2_000 };

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const fail = (error: string, messages?: string[]): Answer => (messages ? { ok: false, error, response_metadata: { messages } } : { ok: false, error });

/**
 * Starts a fake of Slack's Web API and response URLs on 127.0.0.1 (random port). It records every
 * call, answers with realistic shapes, keeps message state, and can be told to fail.
 * @example
 * const fake = await startFakeSlack();
 * const client = new WebClient('xoxb-test', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
 */
export async function startFakeSlack(): Promise<FakeSlack> {
  let recorded: RecordedCall[] = [];
  let messages: FakeMessage[] = [];
  let ephemerals: RecordedEphemeral[] = [];
  let uploads: FakeUpload[] = [];
  let responses: RecordedResponse[] = [];
  let failures = new Map<string, SlackFailure[]>();
  let outageStatus: number | undefined;
  let unanswered = new Set<string>();
  let held = new Map<string, (() => void)[]>();
  const groups = new Map<string, string[]>();
  const users = new Map<string, Record<string, unknown>>();
  let missingUsers = new Set<string>();
  let counter = 0;
  const nextTs = (): string => {
    counter += 1;
    return `${1_700_000_000 + Math.floor(counter / 10_000)}.${String((counter % 10_000) * 100).padStart(6, '0')}`;
  };
  const nextId = (prefix: string): string => `${prefix}${String((counter += 1)).padStart(8, '0')}`;

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const find = (channel: unknown, ts: unknown): FakeMessage | undefined => messages.find((m) => m.channel === channel && m.ts === ts);

  const api: Record<string, (b: Body) => Answer> = {
    'auth.test': () => ({
      ok: true,
      url: FAKE_TEAM.url,
      team: FAKE_TEAM.teamName,
      user: FAKE_TEAM.botName,
      team_id: FAKE_TEAM.teamId,
      user_id: FAKE_TEAM.botUserId,
      bot_id: FAKE_TEAM.botId,
      is_enterprise_install: false,
    }),
    'chat.postMessage': (b) => {
      let channel = str(b.channel);
      if (!channel) return fail('channel_not_found');
      if (/^[UW]/.test(channel)) channel = `D${channel}`;
      const problem = contentProblem(b);
      if (problem) return problem;
      const msg: FakeMessage = {
        type: 'message',
        channel,
        ts: nextTs(),
        user: FAKE_TEAM.botUserId,
        bot_id: FAKE_TEAM.botId,
        ...pick(b, ['text', 'blocks', 'attachments', 'metadata']),
      };
      const threadTs = str(b.thread_ts);
      if (threadTs) {
        msg.thread_ts = threadTs;
        const parent = find(channel, threadTs);
        if (parent) Object.assign(parent, { thread_ts: parent.ts, reply_count: (parent.reply_count ?? 0) + 1 });
      }
      messages.push(msg);
      return { ok: true, channel, ts: msg.ts, message: messageView(msg) };
    },
    'chat.update': (b) => {
      const msg = find(b.channel, b.ts);
      if (!msg) return fail('message_not_found');
      const problem = contentProblem({ ...msg, ...b });
      if (problem) return problem;
      Object.assign(msg, pick(b, ['text', 'blocks', 'attachments', 'metadata']), {
        edited: { user: FAKE_TEAM.botUserId, ts: nextTs() },
      });
      return { ok: true, channel: msg.channel, ts: msg.ts, text: msg.text ?? '', message: messageView(msg) };
    },
    'chat.delete': (b) => {
      const msg = find(b.channel, b.ts);
      if (!msg) return fail('message_not_found');
      messages = messages.filter((m) => m !== msg);
      return { ok: true, channel: msg.channel, ts: msg.ts };
    },
    'chat.postEphemeral': (b) => {
      const channel = str(b.channel);
      const user = str(b.user);
      if (!channel) return fail('channel_not_found');
      if (!user || missingUsers.has(user)) return fail('user_not_found');
      const problem = contentProblem(b);
      if (problem) return problem;
      const e: RecordedEphemeral = { channel, user, message_ts: nextTs(), ...pick(b, ['text', 'blocks', 'thread_ts']) };
      ephemerals.push(e);
      return { ok: true, message_ts: e.message_ts };
    },
    'conversations.open': (b) => {
      const user = str(b.users)?.split(',')[0];
      if (!user && str(b.channel)) return { ok: true, channel: { id: b.channel } };
      if (!user || missingUsers.has(user)) return fail('user_not_found');
      return { ok: true, channel: { id: `D${user}` } };
    },
    'conversations.history': (b) => ({
      ok: true,
      has_more: false,
      messages: messages
        .filter((m) => m.channel === b.channel && (!m.thread_ts || m.thread_ts === m.ts))
        .map(messageView)
        .reverse(),
    }),
    'conversations.replies': (b) =>
      find(b.channel, b.ts) ? { ok: true, has_more: false, messages: thread(b.channel, b.ts).map(messageView) } : fail('thread_not_found'),
    'usergroups.users.list': (b) => {
      const members = groups.get(String(b.usergroup));
      return members ? { ok: true, users: [...members] } : fail('no_such_subteam');
    },
    'users.info': (b) => {
      const id = String(b.user ?? '');
      if (!id || missingUsers.has(id)) return fail('user_not_found');
      const name = id.replace(/^[UW]_?/, '').toLowerCase();
      return {
        ok: true,
        user: {
          id,
          team_id: FAKE_TEAM.teamId,
          name,
          real_name: name,
          deleted: false,
          is_bot: false,
          tz: 'UTC',
          profile: { real_name: name, display_name: name },
          ...users.get(id),
        },
      };
    },
    'views.open': (b) => (str(b.trigger_id) ? viewAnswer(b.view) : fail('invalid_arguments')),
    'views.push': (b) => (str(b.trigger_id) ? viewAnswer(b.view) : fail('invalid_arguments')),
    'views.update': (b) => (str(b.view_id) || str(b.external_id) ? viewAnswer(b.view, str(b.view_id)) : fail('invalid_arguments')),
    'files.getUploadURLExternal': (b) => {
      const filename = str(b.filename);
      const length = Number(b.length);
      if (!filename || !Number.isInteger(length) || length <= 0) return fail('invalid_arguments');
      const fileId = nextId('F');
      uploads.push({ fileId, filename, length });
      return { ok: true, file_id: fileId, upload_url: `${baseUrl}/upload/${fileId}` };
    },
    'files.completeUploadExternal': (b) => {
      const files = Array.isArray(b.files) ? (b.files as { id?: string; title?: string }[]) : [];
      if (files.length === 0) return fail('invalid_arguments');
      const found = files.map((f) => uploads.find((u) => u.fileId === f.id));
      // Slack refuses to share a file whose bytes never arrived or do not match the announced length.
      if (found.some((u) => !u?.bytes || u.bytes.length !== u.length)) return fail('file_not_found');
      const channel = str(b.channel_id);
      if (channel) {
        const msg: FakeMessage = {
          type: 'message',
          channel,
          ts: nextTs(),
          user: FAKE_TEAM.botUserId,
          bot_id: FAKE_TEAM.botId,
          text: str(b.initial_comment) ?? '',
          files: found.map((u) => ({ id: u!.fileId, name: u!.filename })),
        };
        const threadTs = str(b.thread_ts);
        if (threadTs) {
          msg.thread_ts = threadTs;
          const parent = find(channel, threadTs);
          if (parent) Object.assign(parent, { thread_ts: parent.ts, reply_count: (parent.reply_count ?? 0) + 1 });
        }
        messages.push(msg);
        found.forEach(
          (u, i) => (u!.completed = { channel, threadTs, title: files[i]!.title, initialComment: str(b.initial_comment), at: Date.now(), ts: msg.ts }),
        );
      }
      return { ok: true, files: files.map((f) => ({ ...f, name: f.title })) };
    },
  };

  function viewAnswer(view: unknown, id = nextId('V')): Answer {
    const v = typeof view === 'object' && view !== null ? view : {};
    return {
      ok: true,
      view: {
        ...v,
        id,
        team_id: FAKE_TEAM.teamId,
        bot_id: FAKE_TEAM.botId,
        state: { values: {} },
        hash: nextTs(),
        root_view_id: id,
      },
    };
  }

  function thread(channel: unknown, ts: unknown): FakeMessage[] {
    return messages.filter((m) => m.channel === channel && (m.ts === ts || m.thread_ts === ts));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const path = new URL(req.url ?? '/', baseUrl).pathname;
    if (path.startsWith('/api/')) return handleApi(decodeURIComponent(path.slice(5)), raw, req, res);
    if (path.startsWith('/response/')) return handleResponse(decodeURIComponent(path.slice(10)), raw, req, res);
    if (path.startsWith('/upload/')) return handleUpload(decodeURIComponent(path.slice(8)), raw, res);
    send(res, 404, 'not found');
  }

  async function handleApi(method: string, raw: Buffer, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await decodeBody(raw, req.headers['content-type']);
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7) : str(body.token);
    const failure = takeFailure(method);
    let status = 200;
    let response: unknown;
    let headers: Record<string, string> = {};
    if (failure && 'status' in failure) {
      status = failure.status;
      response = status === 429 ? { ok: false, error: 'ratelimited' } : `fake slack: HTTP ${status}`;
      if (failure.retryAfter !== undefined) headers = { 'retry-after': String(failure.retryAfter) };
    } else {
      response = failure ? fail(failure.error) : (api[method]?.(body) ?? { ok: true });
    }
    const ok = status === 200 && (response as Answer).ok === true;
    // Record before answering, so a caller that awaited the call always finds it.
    const rawBody = raw.toString('utf8');
    recorded.push({ method, body, rawBody, headers: req.headers, token, at: Date.now(), status, response, ok });
    if (unanswered.has(method)) return; // the connection stays open until the caller gives up or close()
    const holding = held.get(method);
    if (holding) return void holding.push(() => send(res, status, response, headers));
    send(res, status, response, headers);
  }

  function handleResponse(id: string, raw: Buffer, req: IncomingMessage, res: ServerResponse): void {
    const text = raw.toString('utf8');
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Slack accepts only JSON here; keep the raw text so the test can see what was sent.
    }
    const failure = takeFailure(RESPONSE_URL);
    const used = responses.filter((r) => r.id === id && r.status === 200).length;
    let status = 200;
    let answer: unknown = { ok: true };
    if (failure) [status, answer] = 'status' in failure ? [failure.status, 'failed'] : [404, fail(failure.error)];
    else if (used >= RESPONSE_URL_USES) [status, answer] = [404, fail('used_url')];
    responses.push({ id, body: (body ?? { raw: text }) as Record<string, unknown>, headers: req.headers, at: Date.now(), status });
    const retryAfter = failure && 'retryAfter' in failure ? failure.retryAfter : undefined;
    send(res, status, answer, retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : {});
  }

  /** The upload URL: stores the raw bytes (Slack also takes multipart; the bot sends the bytes as the body). */
  function handleUpload(fileId: string, raw: Buffer, res: ServerResponse): void {
    const failure = takeFailure(UPLOAD_URL);
    const upload = uploads.find((u) => u.fileId === fileId);
    if (failure && 'status' in failure) {
      send(res, failure.status, 'upload failed');
      return;
    }
    if (!upload) {
      send(res, 404, 'no such upload');
      return;
    }
    upload.bytes = Buffer.from(raw);
    upload.uploadedAt = Date.now();
    send(res, 200, `OK - ${raw.length}`);
  }

  function takeFailure(method: string): SlackFailure | undefined {
    if (outageStatus !== undefined) return { status: outageStatus };
    const queue = failures.get(method);
    return queue?.shift();
  }

  const fake: FakeSlack = {
    apiUrl: `${baseUrl}/api/`,
    baseUrl,
    calls: (method) => recorded.filter((c) => method === undefined || c.method === method),
    messages: (channel) => messages.filter((m) => channel === undefined || m.channel === channel),
    thread,
    ephemerals: (channel) => ephemerals.filter((e) => channel === undefined || e.channel === channel),
    uploads: () => [...uploads],
    responseUrl: (id = nextId('R')) => `${baseUrl}/response/${encodeURIComponent(id)}`,
    responses: (id) => responses.filter((r) => id === undefined || r.id === id),
    setUserGroup: (id, members) => void groups.set(id, [...members]),
    setMissingUsers: (ids) => void (missingUsers = new Set(ids)),
    setUser: (id, fields) => void users.set(id, { ...users.get(id), ...fields }),
    failNext(method, failure, times = 1) {
      const queue = failures.get(method) ?? [];
      for (let i = 0; i < times; i += 1) queue.push(failure);
      failures.set(method, queue);
    },
    outage: (on, status = 503) => void (outageStatus = on ? status : undefined),
    loseAnswers: (method, on) => void (on ? unanswered.add(method) : unanswered.delete(method)),
    holdAnswers(method, on) {
      if (on) return void held.set(method, held.get(method) ?? []);
      const answers = held.get(method) ?? [];
      held.delete(method);
      for (const answer of answers) answer();
    },
    waitFor: <T>(predicate: (calls: RecordedCall[]) => Awaitable<T | undefined | false | null>, timeoutMs = 5_000) =>
      poll(
        () => predicate([...recorded]),
        timeoutMs,
        () => describeCalls(recorded),
      ),
    waitForCall: (method, match = () => true, timeoutMs = 5_000) => fake.waitFor((calls) => calls.find((c) => c.method === method && match(c)), timeoutMs),
    reset() {
      [recorded, messages, ephemerals, responses, failures, uploads] = [[], [], [], [], new Map(), []];
      outageStatus = undefined;
      unanswered = new Set();
      held = new Map();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}

function messageView(m: FakeMessage): Record<string, unknown> {
  const { channel: _channel, ...rest } = m;
  return rest;
}

function pick(body: Body, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => body[k] !== undefined).map((k) => [k, body[k]]));
}

/** Mirrors the refusals Slack gives for empty or oversized messages (limits from SPEC section 10). */
function contentProblem(b: Body): Answer | undefined {
  if (!str(b.text) && b.blocks === undefined && b.attachments === undefined) return fail('no_text');
  if (typeof b.text === 'string' && b.text.length > 40_000) return fail('msg_too_long');
  if (b.blocks === undefined) return undefined;
  if (!Array.isArray(b.blocks)) return fail('invalid_blocks_format');
  if (b.blocks.length > BLOCK_LIMITS.blocks) {
    return fail('invalid_blocks', ['[ERROR] no more than 50 items allowed [json-pointer:/blocks]']);
  }
  if (JSON.stringify(b.blocks).length > BLOCK_LIMITS.totalChars) return fail('msg_blocks_too_long');
  const problems: string[] = [];
  walk(b.blocks, '/blocks', (node, pointer) => {
    const tooLong = (value: unknown, max: number, where: string): void => {
      if (typeof value !== 'string' || value.length <= max) return;
      problems.push(`[ERROR] must be less than ${max + 1} characters [json-pointer:${pointer}${where}]`);
    };
    const text = (node.text as { text?: unknown } | undefined)?.text;
    if (node.type === 'section') tooLong(text, BLOCK_LIMITS.sectionText, '/text/text');
    if (node.type === 'header') tooLong(text, BLOCK_LIMITS.headerText, '/text/text');
    if (node.type === 'button') tooLong(node.value, BLOCK_LIMITS.buttonValue, '/value');
    tooLong(node.action_id, BLOCK_LIMITS.actionId, '/action_id');
  });
  return problems.length > 0 ? fail('invalid_blocks', problems) : undefined;
}

function walk(value: unknown, pointer: string, visit: (node: Record<string, unknown>, pointer: string) => void): void {
  if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${pointer}/${i}`, visit));
  else if (typeof value === 'object' && value !== null) {
    visit(value as Record<string, unknown>, pointer);
    for (const [k, v] of Object.entries(value)) walk(v, `${pointer}/${k}`, visit);
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Form bodies (what @slack/web-api sends, nested values as JSON strings), JSON bodies, or multipart. */
async function decodeBody(raw: Buffer, contentType = ''): Promise<Body> {
  if (contentType.includes('application/json')) {
    try {
      const parsed: unknown = JSON.parse(raw.toString('utf8'));
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Body) : {};
    } catch {
      return {};
    }
  }
  let body: Body;
  if (contentType.includes('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
    body = {};
    form.forEach((v, k) => void (body[k] = typeof v === 'string' ? v : { filename: v.name, size: v.size }));
  } else {
    body = { ...parseQuery(raw.toString('utf8')) };
  }
  for (const key of JSON_ENCODED_FIELDS) {
    const value = body[key];
    if (typeof value !== 'string') continue;
    try {
      body[key] = JSON.parse(value);
    } catch {
      // Leave malformed JSON as the string Slack would reject; tests can assert on it.
    }
  }
  return body;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const json = typeof body !== 'string';
  res.writeHead(status, { 'content-type': json ? 'application/json; charset=utf-8' : 'text/plain', ...headers });
  res.end(json ? JSON.stringify(body) : body);
}

type Awaitable<T> = T | Promise<T>;

async function poll<T>(check: () => Awaitable<T | undefined | false | null>, timeoutMs: number, describe: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result !== undefined && result !== false && result !== null) return result;
    if (Date.now() >= deadline) throw new Error(`fake Slack: waitFor timed out after ${timeoutMs} ms; ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function describeCalls(calls: RecordedCall[]): string {
  if (calls.length === 0) return 'no calls recorded';
  const shown = calls.slice(-40).map((c) => {
    const error = (c.response as { error?: unknown } | undefined)?.error;
    return c.status !== 200 ? `${c.method} (HTTP ${c.status})` : error ? `${c.method} (${String(error)})` : c.method;
  });
  return `${calls.length} call(s) recorded${calls.length > 40 ? ', last 40' : ''}: ${shown.join(', ')}`;
}
