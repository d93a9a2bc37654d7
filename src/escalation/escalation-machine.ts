import type { ChainSnapshot } from './chain-snapshot';

/**
 * The escalation state machine, pure: (state, event, now) -> (state, effects). No clock, no I/O: the
 * scheduler feeds it events and carries out the effects (outbox rows, thread notes) in one transaction.
 */

export type EscalationStatus = 'active' | 'acked' | 'resolved' | 'exhausted';

/** Step kinds are strings, never renumbered integers: a stored step index stays meaningful. */
export type Step = { kind: 'page_level'; level: number } | { kind: 'repeat' };

export interface EscalationState {
  status: EscalationStatus;
  /** Index into `stepsOf(chain)` of the next step to run. */
  stepIndex: number;
  /** 1 for the first pass over the chain; each repeat adds one. */
  round: number;
  roundStartedAt: number | null;
  /** The level whose ack timeout is running. */
  waitingLevel: number | null;
  /** When the next step is due; null when nothing more is. */
  nextDueAt: number | null;
}

export type EscalationEvent =
  /** `level` (0-based): start there instead of at the first level (after an ack, or `escalate --level N`). */
  | { type: 'start'; level?: number }
  /** A responder asked for more help: page `level` now instead of waiting out the current level's timeout. */
  | { type: 'escalate_now'; level: number }
  | { type: 'due' }
  | { type: 'ack'; by: string }
  | { type: 'resolve'; by: string }
  /** Every page of the level failed: move on now instead of waiting out its ack timeout. */
  | { type: 'level_unreachable'; level: number; round: number };

export type EscalationEffect =
  | { type: 'page_level'; level: number; round: number; dueAt: number }
  | { type: 'note'; note: 'unreachable'; level: number; round: number }
  | { type: 'note'; note: 'round_scheduled'; round: number; at: number }
  | { type: 'note'; note: 'exhausted'; rounds: number }
  | { type: 'note'; note: 'acked' | 'resolved'; by: string; level: number | null }
  | { type: 'cancel_pending' }
  | { type: 'close_pages'; reason: 'acked' | 'resolved'; by: string }
  /** Tell PagerDuty (and webhooks) that were paged: same dedup key, acknowledge or resolve. */
  | { type: 'pagerduty'; action: 'acknowledge' | 'resolve'; by: string };

export interface Transition {
  state: EscalationState;
  effects: EscalationEffect[];
}

/** The chain as steps: page each level in order, then the repeat step. */
export function stepsOf(chain: ChainSnapshot): Step[] {
  return [...chain.levels.map((_, level) => ({ kind: 'page_level' as const, level })), { kind: 'repeat' as const }];
}

export const INITIAL_STATE: EscalationState = { status: 'active', stepIndex: 0, round: 1, roundStartedAt: null, waitingLevel: null, nextDueAt: null };

/**
 * Applies one event. `due` runs exactly one step, and only when it is due: a stale or early tick is a no-op.
 * @example
 * const { state, effects } = transition(INITIAL_STATE, { type: 'start' }, chain, Date.now());
 * // effects: [{ type: 'page_level', level: 0, round: 1, dueAt: now }]
 */
export function transition(state: EscalationState, event: EscalationEvent, chain: ChainSnapshot, now: number): Transition {
  const unchanged: Transition = { state, effects: [] };
  switch (event.type) {
    case 'start':
      return runStep({ ...INITIAL_STATE, stepIndex: Math.min(Math.max(event.level ?? 0, 0), chain.levels.length - 1), nextDueAt: now }, chain, now);
    case 'escalate_now': {
      if (state.status !== 'active' || event.level < 0 || event.level >= chain.levels.length) return unchanged;
      // A level this round already paged is paged again in a new round: its pages of this round are sent.
      const again = event.level < state.stepIndex;
      const from: EscalationState = again
        ? { ...state, stepIndex: event.level, round: state.round + 1, roundStartedAt: now, nextDueAt: now }
        : { ...state, stepIndex: event.level, nextDueAt: now };
      return runStep(from, chain, now);
    }
    case 'due':
      if (state.status !== 'active' || state.nextDueAt === null || now < state.nextDueAt) return unchanged;
      return runStep(state, chain, now);
    case 'level_unreachable':
      if (state.status !== 'active' || state.waitingLevel !== event.level || state.round !== event.round) return unchanged;
      return {
        state: { ...state, nextDueAt: Math.min(state.nextDueAt ?? now, now) },
        effects: [{ type: 'note', note: 'unreachable', level: event.level, round: event.round }],
      };
    case 'ack':
      if (state.status !== 'active') return unchanged;
      return {
        state: { ...state, status: 'acked', waitingLevel: null, nextDueAt: null },
        effects: [
          { type: 'cancel_pending' },
          { type: 'note', note: 'acked', by: event.by, level: state.waitingLevel },
          { type: 'close_pages', reason: 'acked', by: event.by },
          { type: 'pagerduty', action: 'acknowledge', by: event.by },
        ],
      };
    case 'resolve': {
      if (state.status === 'resolved') return unchanged;
      const effects: EscalationEffect[] = [{ type: 'cancel_pending' }];
      if (state.status === 'active') effects.push({ type: 'note', note: 'resolved', by: event.by, level: state.waitingLevel });
      if (state.status !== 'acked') effects.push({ type: 'close_pages', reason: 'resolved', by: event.by });
      effects.push({ type: 'pagerduty', action: 'resolve', by: event.by });
      return { state: { ...state, status: 'resolved', waitingLevel: null, nextDueAt: null }, effects };
    }
  }
}

function runStep(state: EscalationState, chain: ChainSnapshot, now: number): Transition {
  const step = stepsOf(chain)[state.stepIndex];
  if (!step) return { state: { ...state, status: 'exhausted', waitingLevel: null, nextDueAt: null }, effects: [] };
  if (step.kind === 'page_level') {
    const level = chain.levels[step.level]!;
    return {
      state: {
        ...state,
        stepIndex: state.stepIndex + 1,
        roundStartedAt: step.level === 0 ? now : state.roundStartedAt,
        waitingLevel: step.level,
        // The ack timeout counts from when the page goes out, so a late page still gets its full window.
        nextDueAt: now + level.ackTimeoutMs,
      },
      effects: [{ type: 'page_level', level: step.level, round: state.round, dueAt: state.nextDueAt ?? now }],
    };
  }
  if (state.round > chain.repeat.times) {
    return {
      state: { ...state, status: 'exhausted', waitingLevel: null, nextDueAt: null },
      effects: [{ type: 'note', note: 'exhausted', rounds: state.round }],
    };
  }
  // Rounds start at least `repeat.every` apart, so a short chain does not page everyone in a tight loop.
  const at = Math.max(now, (state.roundStartedAt ?? now) + chain.repeat.everyMs);
  const next: EscalationState = { ...state, stepIndex: 0, round: state.round + 1, waitingLevel: null, nextDueAt: at };
  return { state: next, effects: at > now ? [{ type: 'note', note: 'round_scheduled', round: next.round, at }] : [] };
}
