import { describe, expect, it } from 'vitest';
import type { ChainSnapshot } from '../../src/escalation/chain-snapshot';
import { INITIAL_STATE, transition, type EscalationEffect, type EscalationState } from '../../src/escalation/escalation-machine';

const chain = (overrides: Partial<ChainSnapshot> = {}): ChainSnapshot => ({
  levels: [
    { name: 'Primary', ackTimeoutMs: 300_000, slackUsers: ['U1'], slackGroups: [] },
    { name: 'Secondary', ackTimeoutMs: 600_000, slackUsers: ['U2'], slackGroups: [] },
    { name: 'Final', ackTimeoutMs: 900_000, slackUsers: ['U3'], slackGroups: [] },
  ],
  repeat: { everyMs: 0, times: 1 },
  ...overrides,
});

/** Feeds `due` at each due time until the chain stops; returns every page in order with its time. */
function walk(c: ChainSnapshot, start = 0) {
  let { state, effects } = transition(INITIAL_STATE, { type: 'start' }, c, start);
  const pages: { level: number; round: number; at: number }[] = [];
  const notes: EscalationEffect[] = [];
  const collect = (fx: EscalationEffect[], at: number) => {
    for (const e of fx) {
      if (e.type === 'page_level') pages.push({ level: e.level, round: e.round, at });
      else notes.push(e);
    }
  };
  collect(effects, start);
  for (let i = 0; i < 50 && state.nextDueAt !== null; i++) {
    const at = state.nextDueAt;
    ({ state, effects } = transition(state, { type: 'due' }, c, at));
    collect(effects, at);
  }
  return { state, pages, notes };
}

describe('escalation machine', () => {
  it('pages level 1 at once on start, then each level after the previous ack timeout', () => {
    const { pages, state } = walk(chain({ repeat: { everyMs: 0, times: 0 } }));
    expect(pages).toEqual([
      { level: 0, round: 1, at: 0 },
      { level: 1, round: 1, at: 300_000 },
      { level: 2, round: 1, at: 900_000 },
    ]);
    expect(state.status).toBe('exhausted');
  });

  it('repeats the whole chain `times` more rounds, then stops with a note', () => {
    const { pages, notes, state } = walk(chain());
    expect(pages.map((p) => `${p.round}:${p.level}`)).toEqual(['1:0', '1:1', '1:2', '2:0', '2:1', '2:2']);
    expect(pages[3]!.at).toBe(1_800_000);
    expect(notes).toContainEqual({ type: 'note', note: 'exhausted', rounds: 2 });
    expect(state).toMatchObject({ status: 'exhausted', nextDueAt: null });
  });

  it('starts a round no sooner than `repeat.every` after the previous one started', () => {
    const short = chain({ levels: [{ name: 'Only', ackTimeoutMs: 1_000, slackUsers: ['U1'], slackGroups: [] }], repeat: { everyMs: 60_000, times: 2 } });
    const { pages, notes } = walk(short);
    expect(pages.map((p) => p.at)).toEqual([0, 60_000, 120_000]);
    expect(notes.filter((n) => n.type === 'note' && n.note === 'round_scheduled')).toHaveLength(2);
  });

  it('ignores an early or repeated tick: exactly one step per due time', () => {
    const c = chain();
    const started = transition(INITIAL_STATE, { type: 'start' }, c, 0).state;
    expect(transition(started, { type: 'due' }, c, 299_999).effects).toEqual([]);
    const second = transition(started, { type: 'due' }, c, 300_000);
    expect(second.effects).toEqual([{ type: 'page_level', level: 1, round: 1, dueAt: 300_000 }]);
    expect(transition(second.state, { type: 'due' }, c, 300_001).effects).toEqual([]);
  });

  it('an ack stops the chain, cancels pending pages, tells the thread and PagerDuty', () => {
    const c = chain();
    let state: EscalationState = transition(INITIAL_STATE, { type: 'start' }, c, 0).state;
    state = transition(state, { type: 'due' }, c, 300_000).state;
    const acked = transition(state, { type: 'ack', by: 'U2' }, c, 310_000);
    expect(acked.state).toMatchObject({ status: 'acked', nextDueAt: null });
    expect(acked.effects).toEqual([
      { type: 'cancel_pending' },
      { type: 'note', note: 'acked', by: 'U2', level: 1 },
      { type: 'close_pages', reason: 'acked', by: 'U2' },
      { type: 'pagerduty', action: 'acknowledge', by: 'U2' },
    ]);
    expect(transition(acked.state, { type: 'due' }, c, 900_000).effects).toEqual([]);
    expect(transition(acked.state, { type: 'ack', by: 'U3' }, c, 900_000).state).toBe(acked.state);
  });

  it('resolving an acked escalation still resolves PagerDuty, without a second note', () => {
    const c = chain();
    const started = transition(INITIAL_STATE, { type: 'start' }, c, 0).state;
    const acked = transition(started, { type: 'ack', by: 'U1' }, c, 1).state;
    const resolved = transition(acked, { type: 'resolve', by: 'alertmanager' }, c, 2);
    expect(resolved.state.status).toBe('resolved');
    expect(resolved.effects).toEqual([{ type: 'cancel_pending' }, { type: 'pagerduty', action: 'resolve', by: 'alertmanager' }]);
  });

  it('moves on at once when the waited-on level cannot be reached, and only then', () => {
    const c = chain();
    const started = transition(INITIAL_STATE, { type: 'start' }, c, 0).state;
    expect(transition(started, { type: 'level_unreachable', level: 1, round: 1 }, c, 5).state).toBe(started);
    expect(transition(started, { type: 'level_unreachable', level: 0, round: 2 }, c, 5).state).toBe(started);
    const cut = transition(started, { type: 'level_unreachable', level: 0, round: 1 }, c, 5);
    expect(cut.state.nextDueAt).toBe(5);
    expect(cut.effects).toEqual([{ type: 'note', note: 'unreachable', level: 0, round: 1 }]);
    expect(transition(cut.state, { type: 'due' }, c, 5).effects).toEqual([{ type: 'page_level', level: 1, round: 1, dueAt: 5 }]);
  });

  it('counts a late page ack timeout from when it went out, and reports when it was due', () => {
    const c = chain();
    const started = transition(INITIAL_STATE, { type: 'start' }, c, 0).state;
    const late = transition(started, { type: 'due' }, c, 330_000);
    expect(late.effects).toEqual([{ type: 'page_level', level: 1, round: 1, dueAt: 300_000 }]);
    expect(late.state.nextDueAt).toBe(330_000 + 600_000);
  });
});
