/** Slack emoji codes that carry meaning in our messages, as terminal tags; others are dropped. */
const EMOJI_TEXT: Record<string, string> = {
  large_green_circle: '[ok]',
  large_yellow_circle: '[WARN]',
  red_circle: '[CRIT]',
  white_circle: '[n/a]',
  hourglass_flowing_sand: '[...]',
  warning: '(!)',
  rotating_light: '(!!)',
  white_check_mark: '(ok)',
  x: '(x)',
  grey_question: '(?)',
};

/** Status tags share one column: `[ok]` is padded to the width of `[CRIT]`, so step lines align. */
const TAG_WIDTH = 6;

export interface PlainTextOptions {
  /** A display name for a Slack user ID (`<@U...>`); the ID is shown when it returns nothing. */
  userName?: (id: string) => string | undefined;
}

/**
 * Slack mrkdwn to terminal text: links become `label (url)`, mentions become names, *bold* / _italic_ markers,
 * backticks and code fences are dropped. Code (inline or fenced) is kept exactly as written: a log line such as
 * `stemedb_storage::kv: ...` is never taken for an emoji.
 * @example toPlainText('*Disk* <https://x|runbook>') // 'Disk runbook (https://x)'
 */
export function toPlainText(mrkdwn: string, options: PlainTextOptions = {}): string {
  return mrkdwn
    .split(/```/)
    .map((part, i) => (i % 2 === 1 ? codeBlock(part) : prose(part, options)))
    .join('');
}

/** A fenced block on lines of its own, verbatim apart from Slack's three HTML escapes. */
function codeBlock(code: string): string {
  return `\n${unescapeHtml(code.replace(/^\n/, '').replace(/\n$/, ''))}\n`;
}

function prose(text: string, options: PlainTextOptions): string {
  // Inline code spans keep their content verbatim; only the text around them is converted.
  return text
    .split(/`([^`\n]*)`/)
    .map((part, i) => (i % 2 === 1 ? unescapeHtml(part) : markup(part, options)))
    .join('');
}

function markup(text: string, { userName }: PlainTextOptions): string {
  return unescapeHtml(
    text
      .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '$2 ($1)')
      .replace(/<(https?:[^>]+)>/g, '$1')
      .replace(/<#([A-Z0-9]+)(?:\|([^>]*))?>/g, (_m, id: string, label?: string) => `#${label ?? id}`)
      .replace(/<@([A-Z0-9_]+)(?:\|([^>]*))?>/g, (_m, id: string, label?: string) => `@${label ?? userName?.(id) ?? id}`)
      .replace(/<!subteam\^([A-Z0-9]+)(?:\|([^>]*))?>/g, (_m, id: string, label?: string) => label ?? `@${id}`)
      .replace(/(^|[\s(])\*([^*\n]+)\*(?=[\s).,:;!?]|$)/gm, '$1$2')
      .replace(/(^|[\s(])_([^_\n]+)_(?=[\s).,:;!?]|$)/gm, '$1$2')
      // An emoji code stands alone: `a::kv:` or `12:30:45` are not emoji. A dropped one takes its space along.
      .replace(/(?<![\w:]):([a-z0-9_+-]+):(?![\w:])( ?)/g, (code, name: string, space: string) => {
        const tag = EMOJI_TEXT[name];
        if (tag) return `${tag.startsWith('[') && space ? tag.padEnd(TAG_WIDTH) : tag}${space}`;
        return /^[a-z_]+$/.test(name) ? '' : code;
      })
      .replace(/(^|\s)(\[(?:ok|WARN|CRIT|n\/a|\.\.\.)\]) (?! )/gm, (_m, lead: string, tag: string) => `${lead}${tag.padEnd(TAG_WIDTH)} `),
  );
}

function unescapeHtml(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
