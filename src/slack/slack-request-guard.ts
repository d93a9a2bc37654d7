import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, RequestListener } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { z } from 'zod';
import { BodyTooLargeError, readBody, sendJson } from '../http/http-route';
import type { Logger } from '../ops/logger';
import { responseUrlAllowed } from './response-url-policy';

/** Slack's rule: a request whose timestamp is more than 5 minutes from now, either way, is refused. */
export const REPLAY_WINDOW_SEC = 5 * 60;
/** Slack's own payloads are a few KiB; a view submission with many blocks stays far below this. */
export const SLACK_BODY_LIMIT = 1024 * 1024;
const FORM = 'application/x-www-form-urlencoded';

export interface SlackRequestGuardOptions {
  signingSecret: string;
  /** The allowed `response_url` prefix (default Slack's hooks host). */
  responseUrlPrefix: string;
  log: Logger;
  /** Server clock; injected by tests. */
  nowMs?: () => number;
  /** Paths Bolt treats as Slack's events endpoint. */
  endpoints?: readonly string[];
}

const responseUrlField = z.string().optional();
const userField = z.object({ id: z.string().min(1) }).loose();
/** Interactivity payloads (`payload=<json>`): the fields Bolt and our handlers read before any listener checks them. */
const interactionSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('block_actions'),
      user: userField,
      actions: z.array(z.object({ action_id: z.string(), type: z.string() }).loose()).min(1),
      response_url: responseUrlField,
    })
    .loose(),
  z.object({ type: z.literal('view_submission'), user: userField, view: z.object({ id: z.string(), callback_id: z.string() }).loose() }).loose(),
  z.object({ type: z.literal('view_closed'), user: userField, view: z.object({ id: z.string(), callback_id: z.string() }).loose() }).loose(),
  z.object({ type: z.enum(['shortcut', 'message_action']), user: userField, callback_id: z.string(), response_url: responseUrlField }).loose(),
  z.object({ type: z.literal('block_suggestion'), user: userField, action_id: z.string() }).loose(),
]);
/** Slash commands (form fields). */
const commandSchema = z
  .object({ command: z.string().min(1), user_id: z.string().min(1), channel_id: z.string(), text: z.string().optional(), response_url: responseUrlField })
  .loose();
/** Events API and its URL check (JSON). */
const eventsSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('url_verification'), challenge: z.string() }).loose(),
  z.object({ type: z.literal('event_callback'), event: z.object({ type: z.string() }).loose() }).loose(),
  z.object({ type: z.literal('app_rate_limited') }).loose(),
]);

type Verdict = { ok: true } | { ok: false; status: number; reason: string };

/**
 * Sits in front of Bolt's HTTP receiver on the events endpoint: checks the signature and the replay window both
 * ways, and that the body is a Slack payload Bolt can read, before Bolt sees it. Bolt dereferences the parsed
 * body without checks (`payload=null` threw outside any handler and ended the process), and it only refuses
 * old timestamps. The buffered body is handed on as `rawBody`, which Bolt uses instead of reading the stream.
 */
export function guardSlackRequests(next: RequestListener, options: SlackRequestGuardOptions): RequestListener {
  const endpoints = options.endpoints ?? ['/slack/events'];
  const nowMs = options.nowMs ?? Date.now;
  return (req, res) => {
    const path = safePath(req.url);
    if (req.method?.toUpperCase() !== 'POST' || path === undefined || !endpoints.includes(path)) return next(req, res);
    void screen(req, options, nowMs()).then(
      (verdict) => {
        if (verdict.ok) return next(req, res);
        options.log.warn({ status: verdict.status, reason: verdict.reason, remote: req.socket.remoteAddress }, 'Slack request refused before Bolt');
        sendJson(res, verdict.status, { error: verdict.reason });
      },
      (err: unknown) => {
        options.log.error({ err }, 'Slack request guard failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      },
    );
  };
}

async function screen(req: IncomingMessage, options: SlackRequestGuardOptions, nowMs: number): Promise<Verdict> {
  let raw: Buffer;
  try {
    raw = await readBody(req, SLACK_BODY_LIMIT);
  } catch (err) {
    if (err instanceof BodyTooLargeError) return { ok: false, status: 413, reason: err.message };
    throw err;
  }
  const text = raw.toString('utf8');
  const contentType = req.headers['content-type'];
  const form = contentType === FORM ? parseQuery(text) : undefined;
  // Slack's unsigned SSL check: Bolt answers it and strips everything else from the body.
  if (form?.ssl_check === '1') return pass(req, raw);
  const auth = checkSignature(req, text, options.signingSecret, nowMs);
  if (!auth.ok) return auth;
  const shape = checkShape(contentType, form, text);
  if (!shape.ok) return shape;
  for (const url of shape.responseUrls) {
    if (!responseUrlAllowed(url, options.responseUrlPrefix))
      return { ok: false, status: 400, reason: `response_url is not on an allowed host (${options.responseUrlPrefix})` };
  }
  return pass(req, raw);
}

function pass(req: IncomingMessage, raw: Buffer): Verdict {
  (req as IncomingMessage & { rawBody?: Buffer }).rawBody = raw;
  return { ok: true };
}

function checkSignature(req: IncomingMessage, body: string, secret: string, nowMs: number): Verdict {
  const signature = req.headers['x-slack-signature'];
  const stamp = req.headers['x-slack-request-timestamp'];
  if (typeof signature !== 'string' || typeof stamp !== 'string') return { ok: false, status: 401, reason: 'missing Slack signature headers' };
  if (!/^\d{1,12}$/.test(stamp)) return { ok: false, status: 401, reason: 'malformed x-slack-request-timestamp' };
  if (Math.abs(nowMs / 1000 - Number(stamp)) > REPLAY_WINDOW_SEC)
    return { ok: false, status: 401, reason: 'request timestamp is more than 5 minutes from the server clock' };
  const expected = Buffer.from(`v0=${createHmac('sha256', secret).update(`v0:${stamp}:${body}`).digest('hex')}`);
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, status: 401, reason: 'signature does not match' };
  return { ok: true };
}

function checkShape(contentType: string | undefined, form: ReturnType<typeof parseQuery> | undefined, text: string): Verdict & { responseUrls: string[] } {
  const bad = (reason: string) => ({ ok: false as const, status: 400, reason, responseUrls: [] });
  if (form) {
    if (form.payload !== undefined) {
      if (typeof form.payload !== 'string') return bad('more than one payload field');
      const json = parseJson(form.payload);
      if (json === undefined) return bad('payload is not JSON');
      const parsed = interactionSchema.safeParse(json);
      if (!parsed.success) return bad(`not a Slack interaction payload: ${describe(parsed.error)}`);
      const urls = [parsed.data.response_url, ...((json as { response_urls?: { response_url?: unknown }[] }).response_urls ?? []).map((r) => r?.response_url)];
      return { ok: true, responseUrls: urls.filter((u): u is string => typeof u === 'string') };
    }
    const single = Object.fromEntries(Object.entries(form).map(([k, v]) => [k, Array.isArray(v) ? undefined : v]));
    const parsed = commandSchema.safeParse(single);
    if (!parsed.success) return bad(`not a Slack slash command: ${describe(parsed.error)}`);
    return { ok: true, responseUrls: parsed.data.response_url ? [parsed.data.response_url] : [] };
  }
  if (contentType === undefined || !/^application\/json\b/i.test(contentType)) return bad(`unsupported content type ${contentType ?? '(none)'}`);
  const json = parseJson(text);
  if (json === undefined) return bad('body is not JSON');
  const parsed = eventsSchema.safeParse(json);
  if (!parsed.success) return bad(`not a Slack Events API payload: ${describe(parsed.error)}`);
  return { ok: true, responseUrls: [] };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || '(body)'}: ${issue.message}` : 'invalid';
}

function safePath(url: string | undefined): string | undefined {
  try {
    return new URL(url ?? '/', 'http://localhost').pathname;
  } catch {
    return undefined;
  }
}
