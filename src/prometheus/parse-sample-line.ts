import { parsePrometheusFloat, parseTimestampMs } from './parse-prometheus-float';

/** One sample line of the text format 0.0.4, before it is attached to a family. */
export interface SampleLine {
  name: string;
  labels: Record<string, string>;
  value: number;
  timestampMs?: number;
}

const METRIC_START = 1;
const METRIC_CHAR = 2;
const LABEL_START = 4;
const LABEL_CHAR = 8;

/** ASCII class table: a single-pass scanner with no regular expressions (no backtracking, one read a char). */
const CHAR_CLASS = (() => {
  const table = new Uint8Array(128);
  for (let c = 0; c < 128; c++) {
    const ch = String.fromCharCode(c);
    const letter = /[a-zA-Z_]/.test(ch);
    const digit = c >= 48 && c <= 57;
    if (letter || ch === ':') table[c] = METRIC_START | METRIC_CHAR;
    if (digit) table[c] = METRIC_CHAR | LABEL_CHAR;
    if (letter) table[c] = table[c]! | LABEL_START | LABEL_CHAR;
  }
  return table;
})();

const TAB = 9;
const SPACE = 32;
const QUOTE = 34;
const COMMA = 44;
const EQUALS = 61;
const BACKSLASH = 92;
const LBRACE = 123;
const RBRACE = 125;

function has(code: number, cls: number): boolean {
  return code < 128 && (CHAR_CLASS[code]! & cls) !== 0;
}

function skipBlanks(text: string, i: number, end: number): number {
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c !== SPACE && c !== TAB) break;
    i++;
  }
  return i;
}

/** Scans a run of `cls` characters from `i`; returns the index after it. */
function scan(text: string, i: number, end: number, cls: number): number {
  while (i < end && has(text.charCodeAt(i), cls)) i++;
  return i;
}

/**
 * Parses `name{label="value",...} value [timestamp]` in `text[start, end)` (already trimmed, not a comment).
 * Returns the sample, or a short reason when the line is malformed. Reading indexes of the whole body
 * instead of one string a line saves an allocation per line.
 */
export function parseSampleLine(text: string, start: number, end: number): SampleLine | string {
  if (!has(text.charCodeAt(start), METRIC_START)) return 'invalid metric name';
  let i = scan(text, start + 1, end, METRIC_CHAR);
  const name = text.slice(start, i);
  i = skipBlanks(text, i, end);
  const labels: Record<string, string> = {};
  if (i < end && text.charCodeAt(i) === LBRACE) {
    const after = parseLabels(text, i + 1, end, labels);
    if (typeof after === 'string') return after;
    i = skipBlanks(text, after, end);
  }
  if (i >= end) return 'missing value';
  const valueStart = i;
  while (i < end && text.charCodeAt(i) !== SPACE && text.charCodeAt(i) !== TAB) i++;
  const valueToken = text.slice(valueStart, i);
  const value = parsePrometheusFloat(valueToken);
  if (value === undefined) return `invalid value "${valueToken}"`;
  i = skipBlanks(text, i, end);
  if (i >= end) return { name, labels, value };
  const tsStart = i;
  while (i < end && text.charCodeAt(i) !== SPACE && text.charCodeAt(i) !== TAB) i++;
  const tsToken = text.slice(tsStart, i);
  const timestampMs = parseTimestampMs(tsToken);
  if (timestampMs === undefined) return `invalid timestamp "${tsToken}"`;
  if (skipBlanks(text, i, end) < end) return 'unexpected text after the timestamp';
  return { name, labels, value, timestampMs };
}

/** Parses labels after `{` into `labels`; returns the index after `}` or a reason. A trailing comma is allowed. */
function parseLabels(text: string, i: number, end: number, labels: Record<string, string>): number | string {
  for (;;) {
    i = skipBlanks(text, i, end);
    if (i >= end) return 'unterminated label set';
    if (text.charCodeAt(i) === RBRACE) return i + 1;
    if (!has(text.charCodeAt(i), LABEL_START)) return 'invalid label name';
    const nameStart = i;
    i = scan(text, i + 1, end, LABEL_CHAR);
    const labelName = text.slice(nameStart, i);
    i = skipBlanks(text, i, end);
    if (i >= end || text.charCodeAt(i) !== EQUALS) return `expected "=" after label ${labelName}`;
    i = skipBlanks(text, i + 1, end);
    if (i >= end || text.charCodeAt(i) !== QUOTE) return `expected a quoted value for label ${labelName}`;
    const valueStart = ++i;
    // A char loop bounded by the line, not indexOf('"'): on lines with no closing quote that would scan
    // the rest of the body each time (quadratic).
    let escaped = false;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        escaped = true;
        i += 2;
      } else i++;
    }
    if (i >= end) return `unterminated value for label ${labelName}`;
    const raw = text.slice(valueStart, i);
    if (Object.hasOwn(labels, labelName)) return `duplicate label ${labelName}`;
    // The metric name is the series' `__name__`: a second one is a malformed line (common: "reserved").
    if (labelName === '__name__') return 'label name __name__ is reserved';
    setLabel(labels, labelName, escaped ? unescapeLabelValue(raw) : raw);
    i = skipBlanks(text, i + 1, end);
    if (i >= end) return 'unterminated label set';
    const c = text.charCodeAt(i);
    if (c === RBRACE) return i + 1;
    if (c !== COMMA) return `expected "," or "}" after label ${labelName}`;
    i++;
  }
}

/** `__proto__` is a legal label name; a plain assignment would change the object's prototype instead. */
function setLabel(labels: Record<string, string>, name: string, value: string): void {
  if (name === '__proto__') Object.defineProperty(labels, name, { value, enumerable: true, writable: true, configurable: true });
  else labels[name] = value;
}

/** `\\`, `\"` and `\n` are the format's escapes; any other backslash is kept as written, as Prometheus does. */
export function unescapeLabelValue(raw: string): string {
  let out = '';
  let from = 0;
  for (let i = raw.indexOf('\\'); i !== -1 && i < raw.length - 1; i = raw.indexOf('\\', i)) {
    const next = raw[i + 1];
    const replacement = next === '\\' ? '\\' : next === '"' ? '"' : next === 'n' ? '\n' : undefined;
    if (replacement === undefined) {
      i += 2;
      continue;
    }
    out += raw.slice(from, i) + replacement;
    from = i += 2;
  }
  return out + raw.slice(from);
}
