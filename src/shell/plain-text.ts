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

/**
 * Slack mrkdwn to terminal text: links become `label (url)`, channel and user mentions lose their brackets,
 * and *bold* / _italic_ markers are dropped. Backticks stay: they read fine in a terminal.
 * @example toPlainText('*Disk* <https://x|runbook>') // 'Disk runbook (https://x)'
 */
export function toPlainText(mrkdwn: string): string {
  return mrkdwn
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/<(https?:[^>]+)>/g, '$1')
    .replace(/<#([A-Z0-9]+)(?:\|[^>]*)?>/g, '#$1')
    .replace(/<@([A-Z0-9]+)>/g, '@$1')
    .replace(/<!subteam\^([A-Z0-9]+)(?:\|([^>]*))?>/g, (_m, id: string, label?: string) => label ?? `@${id}`)
    .replace(/(^|[\s(])\*([^*\n]+)\*(?=[\s).,:;!?]|$)/gm, '$1$2')
    .replace(/(^|[\s(])_([^_\n]+)_(?=[\s).,:;!?]|$)/gm, '$1$2')
    .replace(/:([a-z0-9_+-]+):/g, (code, name: string) => (EMOJI_TEXT[name] ?? (/^[a-z_]+$/.test(name) ? '' : code)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
