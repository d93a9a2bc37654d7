import type { Logger } from './logger';

/**
 * The rule for errors nothing caught: log them and keep serving. Everything the bot must not lose is in
 * SQLite before it answers (alerts, pages in the outbox, compaction locks), so a stray rejection from one
 * request or one library callback costs that request, never the process, the pages in flight or the other
 * users. A real fault still shows: every occurrence is logged at `error` with its stack and counted.
 * Installed once by the long-running entry point (`start`); CLI one-shots keep Node's default (exit).
 */
export function installProcessGuards(log: Logger, onFault?: (kind: 'unhandledRejection' | 'uncaughtException') => void): () => void {
  const rejection = (reason: unknown) => {
    log.error({ err: reason instanceof Error ? reason : new Error(String(reason)) }, 'unhandled promise rejection (kept serving)');
    onFault?.('unhandledRejection');
  };
  const exception = (err: Error) => {
    log.error({ err }, 'uncaught exception (kept serving)');
    onFault?.('uncaughtException');
  };
  process.on('unhandledRejection', rejection);
  process.on('uncaughtException', exception);
  return () => {
    process.off('unhandledRejection', rejection);
    process.off('uncaughtException', exception);
  };
}
