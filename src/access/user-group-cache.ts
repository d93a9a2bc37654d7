/** Resolves a Slack user group to its members; the Web API call is `usergroups.users.list`. */
export type GroupMembersLookup = (groupId: string) => Promise<string[]>;

export interface UserGroupCache {
  /** The group's members, from the cache when it was read less than `ttlMs` ago. Rejects when the lookup fails. */
  members(groupId: string): Promise<string[]>;
  /** Forgets everything (config reload, tests). */
  clear(): void;
}

/**
 * Caches group memberships briefly: a burst of clicks at 3 a.m. costs one Web API call per group, and a
 * membership change is seen within `ttlMs`. Concurrent lookups of one group share one call; a failed lookup
 * is not cached, so the next request tries again.
 */
export function createUserGroupCache(lookup: GroupMembersLookup, options: { ttlMs?: number; now?: () => number } = {}): UserGroupCache {
  const ttlMs = options.ttlMs ?? 60_000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, { at: number; members: Promise<string[]> }>();
  return {
    members(groupId) {
      const cached = entries.get(groupId);
      if (cached && now() - cached.at < ttlMs) return cached.members;
      const members = lookup(groupId);
      entries.set(groupId, { at: now(), members });
      members.catch(() => {
        if (entries.get(groupId)?.members === members) entries.delete(groupId);
      });
      return members;
    },
    clear() {
      entries.clear();
    },
  };
}
