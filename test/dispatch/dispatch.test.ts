import { describe, expect, it } from 'vitest';
import { didYouMean } from '../../src/dispatch/did-you-mean';
import { tokenize } from '../../src/dispatch/tokenize';
import { toPlainText } from '../../src/shell/plain-text';

describe('tokenize', () => {
  it('separates flags from positionals', () => {
    expect(tokenize('  compact  stemedb-1 --force ')).toEqual({ sub: 'compact', rest: { positionals: ['stemedb-1'], flags: { force: true } } });
    expect(tokenize('compact stemedb-1 --force=maybe').rest.flags).toEqual({ force: 'maybe' });
    expect(tokenize('')).toEqual({ sub: undefined, rest: { positionals: [], flags: {} } });
    expect(tokenize('STATS x').sub).toBe('stats');
  });
});

describe('didYouMean', () => {
  const names = ['diagnose', 'stats', 'slow-queries', 'compact', 'escalate', 'ack', 'status', 'help'];
  it.each([
    ['diagnoze', 'diagnose'],
    ['stast', 'stats'],
    ['slow', 'slow-queries'],
    ['compcat', 'compact'],
    ['statuss', 'status'],
  ])('%s -> %s', (typo, expected) => expect(didYouMean(typo, names)).toBe(expected));
  it('suggests nothing for unrelated words', () => expect(didYouMean('reboot', names)).toBeUndefined());
});

describe('toPlainText', () => {
  it('turns mrkdwn into terminal text', () => {
    expect(toPlainText('*Disk* <https://x.io|runbook> in <#C0ALERTS> for <@U1> _now_')).toBe('Disk runbook (https://x.io) in #C0ALERTS for @U1 now');
  });
});

describe('toPlainText emoji', () => {
  it('turns status emoji into tags and keeps times intact', () => {
    expect(toPlainText(':red_circle: *1. Error metrics* at 22:20:08 :mag:')).toBe('[CRIT] 1. Error metrics at 22:20:08 ');
  });
});
