import type { LsmFigures } from './compaction-types';

export interface WatchState {
  polls: number;
  /** The node said `compaction_running: true` at least once. */
  sawRunning: boolean;
}

/**
 * Done when the node says it no longer compacts, or (a node that does not report `compaction_running`) when
 * pending bytes reach 0. A node that reports "not running" before it was ever seen running gets a few polls
 * to start, unless nothing is pending. Pure.
 */
export function isCompactionDone(lsm: LsmFigures, state: WatchState): boolean {
  if (lsm.running === null) return lsm.pendingBytes === 0;
  if (lsm.running) return false;
  return state.sawRunning || lsm.pendingBytes === 0 || state.polls >= 3;
}

/** Share of the work done, from pending bytes against the start; null when there was nothing pending. Pure. */
export function progressFraction(before: LsmFigures | null, now: LsmFigures): number | null {
  if (!before || before.pendingBytes <= 0) return null;
  return Math.min(1, Math.max(0, 1 - now.pendingBytes / before.pendingBytes));
}

export type WatchResult =
  | { outcome: 'done'; last: LsmFigures }
  | { outcome: 'timeout'; last: LsmFigures | null; lastError: string | null }
  | { outcome: 'aborted' }
  /** `onProgress` said the lock is no longer ours (it expired and someone else took it). */
  | { outcome: 'lost'; last: LsmFigures | null };

export interface WatchOptions {
  read(signal: AbortSignal): Promise<LsmFigures>;
  intervalMs: number;
  deadline: Date;
  now(): Date;
  signal: AbortSignal;
  /** After every read that did not end the watch: push the lock's expiry forward (false: lost it), update the message. */
  onProgress(last: LsmFigures | null, lastError: string | null): Promise<boolean>;
  /** The last figures known before this watch (a resumed watch starts from what was stored). */
  last?: LsmFigures | null;
}

/**
 * Polls the node's stats every `intervalMs` until the compaction is done, the deadline passes, or the bot
 * stops (`signal`). A failed read is shown and retried, never fatal: the node may be busy compacting.
 */
export async function watchCompaction(options: WatchOptions): Promise<WatchResult> {
  const state: WatchState = { polls: 0, sawRunning: options.last?.running === true };
  let last = options.last ?? null;
  let lastError: string | null = null;
  for (;;) {
    if (options.signal.aborted) return { outcome: 'aborted' };
    try {
      const lsm = await options.read(options.signal);
      state.polls += 1;
      if (lsm.running) state.sawRunning = true;
      last = lsm;
      lastError = null;
      if (isCompactionDone(lsm, state)) return { outcome: 'done', last: lsm };
    } catch (err) {
      if (options.signal.aborted) return { outcome: 'aborted' };
      lastError = err instanceof Error ? err.message : String(err);
    }
    const left = options.deadline.getTime() - options.now().getTime();
    if (left <= 0) return { outcome: 'timeout', last, lastError };
    if (!(await options.onProgress(last, lastError))) return { outcome: 'lost', last };
    if (!(await pause(Math.min(options.intervalMs, left), options.signal))) return { outcome: 'aborted' };
  }
}

/** Resolves true after `ms` (at once when ms ≤ 0), or false as soon as `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    if (ms <= 0) return resolve(true);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
