/**
 * Quoting for the fixed command templates. node-ssh's `execCommand` hands its string to the remote login shell
 * as it is, so every config value that goes into a template passes through `shellQuote` first. This assumes the
 * diagnostics user has a POSIX login shell (sh, bash, dash): csh and fish quote differently.
 */

/**
 * Quotes one word for a POSIX shell: single quotes, with each `'` written as `'\''`. Inside single quotes
 * nothing is special (not `$`, backticks, `;`, `\` or newlines), so the value reaches the command as one argument.
 *
 * @example shellQuote("it's /var/lib") // => 'it'\''s /var/lib'
 * @throws Error on a NUL byte, which no shell argument can carry (it would silently cut the value).
 */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new Error('cannot shell-quote a value containing a NUL byte');
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Seconds for `timeout`, which takes fractions: 500 ms -> `0.5`; never 0 (which disables the limit). */
function formatSeconds(timeoutMs: number): string {
  const ms = Math.max(1, Math.ceil(timeoutMs));
  return String(ms / 1000);
}

/**
 * Wraps a script so the remote host kills it, and everything it started, when the time is up: coreutils
 * `timeout` puts the script in its own process group and sends SIGKILL to the whole group. Closing the SSH
 * channel alone would leave the remote process running.
 *
 * Busybox's `timeout` takes the same `-s KILL <secs>` form. On a host with no `timeout` at all the command
 * fails with 127 ("timeout: not found"), visibly, rather than running unbounded.
 *
 * @example wrapWithTimeout('df -P /var/lib', 5000) // => timeout -s KILL 5 sh -c 'df -P /var/lib'
 */
export function wrapWithTimeout(script: string, timeoutMs: number): string {
  return `timeout -s KILL ${formatSeconds(timeoutMs)} sh -c ${shellQuote(script)}`;
}
