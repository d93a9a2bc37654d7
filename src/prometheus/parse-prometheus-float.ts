/**
 * Parses a Prometheus float token: what Go's `strconv.ParseFloat` accepts in practice, including `NaN`,
 * `+Inf`/`-Inf` (any case, with or without `inity`). Returns `undefined` for anything else, so a malformed value
 * is never silently read as 0 (which `Number('')` would do).
 * @example parsePrometheusFloat('+Inf') // Infinity
 * @example parsePrometheusFloat('1.7560473e+07') // 17560473
 */
export function parsePrometheusFloat(token: string): number | undefined {
  if (token.length === 0) return undefined;
  const n = Number(token);
  // `Infinity` spelled out goes to the switch below; a numeral that overflows to it does not.
  if (Number.isFinite(n)) {
    // Number() also trims whitespace and reads 0x/0o/0b integers; Prometheus does neither.
    if (token.trim().length !== token.length) return undefined;
    if (token.length > 1 && token.charCodeAt(0) === 48 && isRadixLetter(token.charCodeAt(1))) return undefined;
    return n;
  }
  switch (token.toLowerCase()) {
    case 'nan':
      return Number.NaN;
    case 'inf':
    case '+inf':
    case 'infinity':
    case '+infinity':
      return Number.POSITIVE_INFINITY;
    case '-inf':
    case '-infinity':
      return Number.NEGATIVE_INFINITY;
    default:
      // `1e400` is out of float64 range: Go's ParseFloat fails with ErrRange; only the Inf spellings mean infinity.
      return undefined;
  }
}

function isRadixLetter(code: number): boolean {
  const lower = code | 32;
  return lower === 120 /* x */ || lower === 111 /* o */ || lower === 98 /* b */;
}

/** An integer millisecond timestamp (`-3982045` is valid: before the epoch); `undefined` if not an integer. */
export function parseTimestampMs(token: string): number | undefined {
  let i = token.charCodeAt(0) === 45 || token.charCodeAt(0) === 43 ? 1 : 0;
  if (i >= token.length) return undefined;
  for (; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  const n = Number(token);
  return Number.isSafeInteger(n) ? n : undefined;
}
