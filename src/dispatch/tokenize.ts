import type { ArgTokens } from '../../commands/command';

/** Longest command text accepted; Slack allows more, but nothing legitimate here comes close. */
export const MAX_COMMAND_TEXT = 500;

const QUOTES = /^["'\u2018\u2019\u201c\u201d]+|["'\u2018\u2019\u201c\u201d]+$/g;

/**
 * Splits command text into the subcommand and its arguments. Tokens are only ever used as lookup keys or
 * free text in messages, never in a shell, so no quoting rules apply.
 * @example tokenize('compact stemedb-1 --force') // { sub: 'compact', rest: { positionals: ['stemedb-1'], flags: { force: true } } }
 */
export function tokenize(text: string): { sub: string | undefined; rest: ArgTokens } {
  // Quotes around a word are dropped (`"stemedb-1"`, Slack's curly quotes): nothing here has quoting rules.
  const words = text
    .trim()
    .split(/\s+/)
    .map((w) => w.replace(QUOTES, ''))
    .filter(Boolean);
  const [first, ...others] = words;
  const rest: ArgTokens = { positionals: [], flags: {} };
  for (const word of others) {
    const flag = /^--([a-z][a-z-]*)(?:=(.*))?$/.exec(word);
    if (flag) rest.flags[flag[1]!] = flag[2] ?? true;
    else rest.positionals.push(word);
  }
  return { sub: first?.toLowerCase(), rest };
}
