import { toPlainText, type PlainTextOptions } from './plain-text';

/** Where the shell prints; `columns` is set when it is a terminal. */
export interface TerminalStream {
  write(text: string): unknown;
  columns?: number;
}

/**
 * Wraps one line to `width` at spaces, continuing under the text after its tag, bullet or number, so a long
 * step line stays readable as one item. Lines with no space to break at are left for the terminal. Pure.
 */
export function wrapLine(line: string, width: number): string[] {
  if (width < 20 || line.length <= width) return [line];
  const lead = /^(\s*(?:\[[A-Za-z./ ]+\]\s+)?(?:(?:[•-]|\d+\.)\s+)?)/.exec(line)?.[1] ?? '';
  const indent = ' '.repeat(lead.length > width / 2 ? 2 : lead.length);
  const out: string[] = [];
  let rest = line;
  let prefix = '';
  while ((prefix + rest).length > width) {
    const room = width - prefix.length;
    const cut = rest.lastIndexOf(' ', room);
    if (cut <= 0) break;
    out.push(prefix + rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut + 1).trimStart();
    prefix = indent;
  }
  out.push(prefix + rest);
  return out;
}

/**
 * The shell's text output: Slack markup turned into terminal text, prose wrapped to the terminal's width
 * (fenced code such as log excerpts is printed exactly as logged), and `/stemedb ` dropped, since the
 * shell's commands are typed without it.
 */
export function terminalText(mrkdwn: string, width: number | undefined, options: PlainTextOptions = {}): string {
  return mrkdwn
    .split(/```/)
    .map((part, i) => {
      const plain = toPlainText(i % 2 === 1 ? `\`\`\`${part}\`\`\`` : part.replace(/\/stemedb (?=[a-z])/g, ''), options);
      if (i % 2 === 1 || !width) return plain;
      return plain
        .split('\n')
        .flatMap((l) => wrapLine(l, width))
        .join('\n');
    })
    .join('')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^\n+|\n+$/g, '');
}
