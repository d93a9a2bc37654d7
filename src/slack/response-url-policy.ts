import type { App } from '@slack/bolt';
import type { Logger } from '../ops/logger';

/** Slack's own host for `response_url`s; `SLACK_RESPONSE_URL_PREFIX` overrides it (tests use the fake Slack). */
export const DEFAULT_RESPONSE_URL_PREFIX = 'https://hooks.slack.com/';

/**
 * Whether the bot may POST to a payload's `response_url`. The URL comes from the request body: a signed but
 * crafted payload could otherwise make the bot POST to any host it can reach (a node's admin API, say).
 * Compared after URL normalisation, so `https://hooks.slack.com.evil/` or `https://hooks.slack.com@evil/` fail.
 * @example responseUrlAllowed('https://hooks.slack.com/commands/T1/1/abc', DEFAULT_RESPONSE_URL_PREFIX) // true
 */
export function responseUrlAllowed(url: string, prefix: string): boolean {
  let parsed: URL;
  let allowed: URL;
  try {
    parsed = new URL(url);
    allowed = new URL(prefix);
  } catch {
    return false;
  }
  if (parsed.username || parsed.password) return false;
  return parsed.origin === allowed.origin && parsed.href.startsWith(allowed.href);
}

/**
 * The same rule for every receiver (Socket Mode has no HTTP guard in front): a payload naming another host is
 * acknowledged and dropped before any listener gets a `respond()` bound to it.
 */
export function enforceResponseUrls(app: App, prefix: string, log: Logger): void {
  app.use(async ({ body, ack, next }) => {
    const b = body as { response_url?: unknown; response_urls?: { response_url?: unknown }[] };
    const urls = [b.response_url, ...(Array.isArray(b.response_urls) ? b.response_urls.map((r) => r?.response_url) : [])].filter((u) => u !== undefined);
    const bad = urls.find((u) => typeof u !== 'string' || !responseUrlAllowed(u, prefix));
    if (bad === undefined) return next();
    log.warn({ responseUrl: String(bad).slice(0, 200), prefix }, 'dropped a Slack payload whose response_url is not an allowed host');
    if (ack) await (ack as () => Promise<void>)();
  });
}
