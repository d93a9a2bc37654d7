import type { SecretSource } from '../config/secret-source';
import type { SlackDirectory, SlackUserStatus } from '../pagers/slack-directory';
import { slackGroupMembers } from '../pagers/slack-pager';
import type { ChatPort } from '../surfaces/chat-port';
import { chainConfigured, type ChainSnapshot } from './chain-snapshot';

export interface UserCheck {
  id: string;
  /** 'unverified' when the bot cannot ask Slack (the local shell). */
  status: SlackUserStatus | 'unverified';
  viaGroup?: string;
}

export interface LevelReport {
  name: string;
  ackTimeoutMs: number;
  users: UserCheck[];
  groups: { id: string; members: string[] | null; error?: string }[];
  pagerduty?: { env: string; keySet: boolean };
  webhook?: { host: string; tokenOk: boolean };
  reachable: boolean;
  /** Reachable as far as checked: an active Slack user, a PagerDuty key or a webhook; not just unverified users. */
  verified: boolean;
  warnings: string[];
}

export interface ChainReport {
  configured: boolean;
  levels: LevelReport[];
  repeat: ChainSnapshot['repeat'];
  warnings: string[];
}

export interface ChainCheckDeps {
  messenger: ChatPort;
  directory: SlackDirectory | undefined;
  secret: SecretSource;
}

const USER_PROBLEM: Partial<Record<UserCheck['status'], string>> = { missing: 'not found in Slack', deactivated: 'deactivated', bot: 'a bot, not a person' };

/**
 * Walks the chain without paging anyone: who each level would page right now (user groups resolved), and
 * a warning for every level with no reachable human (a page can only fail there).
 */
export async function checkChain(chain: ChainSnapshot, deps: ChainCheckDeps): Promise<ChainReport> {
  const statusCache = new Map<string, Promise<UserCheck['status']>>();
  const statusOf = (id: string) => {
    let status = statusCache.get(id);
    if (!status) {
      status = deps.directory ? deps.directory.userStatus(id).catch((): UserCheck['status'] => 'unverified') : Promise.resolve('unverified' as const);
      statusCache.set(id, status);
    }
    return status;
  };
  const levels = await Promise.all(
    chain.levels.map(async (level): Promise<LevelReport> => {
      const warnings: string[] = [];
      const groups = await Promise.all(
        level.slackGroups.map(async (id) => {
          const answer = await slackGroupMembers(deps.messenger, id);
          if (!answer.ok) warnings.push(`user group \`${id}\`: ${answer.error}`);
          else if (answer.members.length === 0) warnings.push(`user group \`${id}\` has no members`);
          return answer.ok ? { id, members: answer.members } : { id, members: null, error: answer.error };
        }),
      );
      const targets: { id: string; viaGroup?: string }[] = [
        ...level.slackUsers.map((id) => ({ id })),
        ...groups.flatMap((g) => (g.members ?? []).map((id) => ({ id, viaGroup: g.id }))),
      ];
      const seen = new Set<string>();
      const users: UserCheck[] = [];
      for (const t of targets) {
        if (seen.has(t.id)) continue;
        seen.add(t.id);
        const status = await statusOf(t.id);
        users.push({ ...t, status });
        const problem = USER_PROBLEM[status];
        // IDs, not mentions: the warning may be posted in the alert channel, and a mention would ping them.
        if (problem) warnings.push(`user \`${t.id}\`${t.viaGroup ? ` (in \`${t.viaGroup}\`)` : ''} is ${problem}`);
      }
      const pagerduty = level.pagerdutyKeyEnv ? { env: level.pagerdutyKeyEnv, keySet: Boolean(deps.secret(level.pagerdutyKeyEnv)) } : undefined;
      if (pagerduty && !pagerduty.keySet) warnings.push(`PagerDuty routing key \`${pagerduty.env}\` is not set`);
      const webhook = level.webhook
        ? { host: hostOf(level.webhook.url), tokenOk: !level.webhook.tokenEnv || Boolean(deps.secret(level.webhook.tokenEnv)) }
        : undefined;
      if (webhook && !webhook.tokenOk) warnings.push(`webhook token \`${level.webhook?.tokenEnv}\` is not set`);
      const reachable = users.some((u) => u.status === 'active' || u.status === 'unverified') || Boolean(pagerduty?.keySet) || Boolean(webhook?.tokenOk);
      const verified = users.some((u) => u.status === 'active') || Boolean(pagerduty?.keySet) || Boolean(webhook?.tokenOk);
      if (!reachable) warnings.unshift('nobody reachable at this level: a page here can only fail');
      return { name: level.name, ackTimeoutMs: level.ackTimeoutMs, users, groups, pagerduty, webhook, reachable, verified, warnings };
    }),
  );
  return {
    configured: chainConfigured(chain),
    levels,
    repeat: chain.repeat,
    warnings: levels.flatMap((l, i) => l.warnings.map((w) => `Level ${i + 1} (${l.name}): ${w}`)),
  };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid URL';
  }
}
