import { describe, expect, it } from 'vitest';
import { createAccessControl, describePrincipals, refusalText } from '../../src/access/access-control';
import { createUserGroupCache } from '../../src/access/user-group-cache';

function countingLookup(groups: Record<string, string[] | Error>) {
  const calls: string[] = [];
  const lookup = async (id: string) => {
    calls.push(id);
    const members = groups[id];
    if (members instanceof Error) throw members;
    if (!members) throw new Error('no_such_subteam');
    return members;
  };
  return { calls, lookup };
}

describe('user group cache', () => {
  it('reads a group once within the TTL and again after it', async () => {
    let now = 1_000;
    const { calls, lookup } = countingLookup({ S1: ['U1'] });
    const cache = createUserGroupCache(lookup, { ttlMs: 60_000, now: () => now });
    expect(await cache.members('S1')).toEqual(['U1']);
    now += 59_000;
    await cache.members('S1');
    expect(calls).toEqual(['S1']);
    now += 2_000;
    await cache.members('S1');
    expect(calls).toEqual(['S1', 'S1']);
  });

  it('shares one lookup between concurrent callers', async () => {
    const { calls, lookup } = countingLookup({ S1: ['U1'] });
    const cache = createUserGroupCache(lookup);
    await Promise.all([cache.members('S1'), cache.members('S1'), cache.members('S1')]);
    expect(calls).toHaveLength(1);
  });

  it('does not cache a failed lookup', async () => {
    const groups: Record<string, string[] | Error> = { S1: new Error('ratelimited') };
    const { calls, lookup } = countingLookup(groups);
    const cache = createUserGroupCache(lookup);
    await expect(cache.members('S1')).rejects.toThrow('ratelimited');
    groups.S1 = ['U1'];
    expect(await cache.members('S1')).toEqual(['U1']);
    expect(calls).toHaveLength(2);
  });
});

describe('access control', () => {
  const operators = { users: ['U_OPS'], userGroups: ['S_SRE', 'S_BROKEN'] };

  it('allows listed users and members of listed groups, nobody else', async () => {
    const { lookup } = countingLookup({ S_SRE: ['U_SRE'], S_BROKEN: new Error('no_such_subteam') });
    const access = createAccessControl({ operators, groups: createUserGroupCache(lookup) });
    expect(await access.isOperator('U_OPS')).toBe(true);
    expect(await access.isOperator('U_SRE')).toBe(true);
    expect(await access.isOperator('U_MALLORY')).toBe(false);
  });

  it('fails closed when a group cannot be read', async () => {
    const { lookup } = countingLookup({ S_SRE: new Error('fatal'), S_BROKEN: new Error('fatal') });
    const access = createAccessControl({ operators, groups: createUserGroupCache(lookup) });
    expect(await access.isOperator('U_SRE')).toBe(false);
    expect(await access.isOperator('U_OPS')).toBe(true);
  });

  it('checks any principal set, not only operators', async () => {
    const { lookup } = countingLookup({ S_DBE: ['U_DBE'] });
    const access = createAccessControl({ operators: { users: [], userGroups: [] }, groups: createUserGroupCache(lookup) });
    expect(await access.isIn('U_DBE', { users: [], userGroups: ['S_DBE'] })).toBe(true);
    expect(await access.isOperator('U_DBE')).toBe(false);
  });

  it('names who may act in a refusal', () => {
    expect(describePrincipals({ users: ['U1', 'U2'], userGroups: ['S1'] })).toBe('<@U1>, <@U2> or members of <!subteam^S1>');
    expect(describePrincipals({ users: [], userGroups: [] })).toBeUndefined();
    expect(refusalText('compact stemedb-1', ['operators (<@U1>)'])).toContain('Only operators (<@U1>) may compact stemedb-1.');
    expect(refusalText('compact stemedb-1', [])).toContain('`access.operators` lists no users or user groups');
  });
});
