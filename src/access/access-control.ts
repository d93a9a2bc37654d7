import type { Logger } from '../ops/logger';
import type { UserGroupCache } from './user-group-cache';

/** Who may do something: Slack users and members of Slack user groups (the shape of `access.operators`). */
export interface Principals {
  users: readonly string[];
  userGroups: readonly string[];
}

export interface AccessControl {
  /** The configured `access.operators`. */
  readonly operators: Principals;
  /** Whether the user is an operator (listed, or a member of a listed user group). */
  isOperator(userId: string): Promise<boolean>;
  /** Whether the user is one of `principals`. A group that cannot be read counts as "not a member" (fail closed). */
  isIn(userId: string, principals: Principals): Promise<boolean>;
}

/**
 * RBAC over Slack identities, for every guarded action (compaction, later acknowledgements and silences).
 * Group membership comes from the Web API through a short-lived cache.
 * @example const access = createAccessControl({ operators: config.access.operators, groups, log });
 */
export function createAccessControl(options: { operators: Principals; groups: UserGroupCache; log?: Logger }): AccessControl {
  const { operators, groups, log } = options;
  const isIn = async (userId: string, principals: Principals): Promise<boolean> => {
    if (principals.users.includes(userId)) return true;
    for (const group of principals.userGroups) {
      try {
        if ((await groups.members(group)).includes(userId)) return true;
      } catch (err) {
        log?.warn({ err, group, userId }, 'could not read user group members: treating the user as not a member');
      }
    }
    return false;
  };
  return { operators, isIn, isOperator: (userId) => isIn(userId, operators) };
}

/**
 * "<@U1>, <@U2> or members of <!subteam^S1>" in Slack mrkdwn; `undefined` when nobody is listed.
 * @example describePrincipals({ users: ['U1'], userGroups: ['S1'] }) // '<@U1> or members of <!subteam^S1>'
 */
export function describePrincipals(principals: Principals): string | undefined {
  const parts = [
    ...principals.users.map((u) => `<@${u}>`),
    ...(principals.userGroups.length > 0 ? [`members of ${principals.userGroups.map((g) => `<!subteam^${g}>`).join(', ')}`] : []),
  ];
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(', ')} or ${parts.at(-1)}`;
}

/**
 * The refusal a user sees: what they tried, who may do it instead, and that the attempt was logged.
 * @example refusalText('compact stemedb-1', ['operators (<@U1>)']) // ':no_entry: Only operators (<@U1>) may compact stemedb-1. ...'
 */
export function refusalText(action: string, allowed: readonly string[]): string {
  const who =
    allowed.length > 0 ? `Only ${allowed.join(' and ')} may ${action}.` : `Nobody may ${action} here: \`access.operators\` lists no users or user groups.`;
  return `:no_entry: ${who} Your attempt was recorded in the audit log.`;
}
