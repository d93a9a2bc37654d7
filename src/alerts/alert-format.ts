/** Small formatting helpers for alert messages (pure). */

/** 754_000 -> "12m 34s"; an hour -> "1h"; 3 days -> "3d". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return 'an unknown time';
  const s = Math.round(ms / 1000);
  const two = (big: number, bigUnit: string, small: number, smallUnit: string) => `${big}${bigUnit}${small ? ` ${small}${smallUnit}` : ''}`;
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return two(m, 'm', s % 60, 's');
  const h = Math.floor(m / 60);
  if (h < 24) return two(h, 'h', m % 60, 'm');
  return two(Math.floor(h / 24), 'd', h % 24, 'h');
}

/** "2024-05-01 12:03:04 UTC". */
export function formatUtc(at: Date | string): string {
  const d = typeof at === 'string' ? new Date(at) : at;
  return Number.isNaN(d.getTime()) ? String(at) : `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/**
 * Alert text comes from Alertmanager's rules, not from us: escape Slack's control characters so an annotation
 * cannot mention `<!channel>` or forge a link.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * For plain_text fields (headers) built from alert text: whether Slack decodes entities there is not
 * specified, so the angle brackets that make Slack markup become look-alike quotes instead.
 * @example plainTextSafe('Disk<!channel>') // 'Disk‹!channel›'
 */
export function plainTextSafe(text: string): string {
  return text.replace(/</g, '‹').replace(/>/g, '›');
}

/** A Slack link for an http(s) URL, or undefined for anything else (no `javascript:` or Slack markup). */
export function slackLink(url: string | undefined, label: string): string | undefined {
  if (!url || !/^https?:\/\/[^\s]+$/i.test(url)) return undefined;
  return `<${url.replace(/[<>|]/g, encodeURIComponent)}|${escapeMrkdwn(label)}>`;
}

/** `<@U123>` for a Slack user id; other actors (alertmanager, bot, local-shell) as plain words. */
export function mention(actor: string): string {
  return /^[UW][A-Z0-9]{2,}$/.test(actor) ? `<@${actor}>` : escapeMrkdwn(actor);
}
