import { z } from 'zod';
import type { Config } from '../config/schema';

const levelSnapshotSchema = z.object({
  name: z.string(),
  ackTimeoutMs: z.number().int().min(0),
  slackUsers: z.array(z.string()),
  slackGroups: z.array(z.string()),
  pagerdutyKeyEnv: z.string().optional(),
  webhook: z.object({ url: z.string(), tokenEnv: z.string().optional() }).optional(),
});

/** The chain as it was when an escalation started; stored in the escalation row and read back through zod. */
export const chainSnapshotSchema = z.object({
  levels: z.array(levelSnapshotSchema).min(1),
  repeat: z.object({ everyMs: z.number().int().min(0), times: z.number().int().min(0) }),
  /** People this chain never pages: whoever acknowledged the chain before it (issue 10). */
  skipUsers: z.array(z.string()).optional(),
});

export type ChainLevel = z.infer<typeof levelSnapshotSchema>;
export type ChainSnapshot = z.infer<typeof chainSnapshotSchema>;

/** Copies the configured chain, so later config edits do not change a running escalation. */
export function snapshotChain(escalation: Config['escalation']): ChainSnapshot {
  return {
    levels: escalation.levels.map((level) => ({
      name: level.name,
      ackTimeoutMs: level.ackTimeout,
      slackUsers: [...level.slack.users],
      slackGroups: [...level.slack.userGroups],
      ...(level.pagerduty ? { pagerdutyKeyEnv: level.pagerduty.routingKeyEnv } : {}),
      ...(level.webhook ? { webhook: { url: level.webhook.url, ...(level.webhook.tokenEnv ? { tokenEnv: level.webhook.tokenEnv } : {}) } } : {}),
    })),
    repeat: { everyMs: escalation.repeat.every, times: escalation.repeat.times },
  };
}

/** Whether a level names anyone or anything to page at all (reachability is the chain check's job). */
export function levelHasTargets(level: ChainLevel): boolean {
  return level.slackUsers.length > 0 || level.slackGroups.length > 0 || level.pagerdutyKeyEnv !== undefined || level.webhook !== undefined;
}

/**
 * A chain with no target at any level (the defaults, unconfigured) pages nobody: escalation is off, and
 * automatic escalation and the alert-channel warnings stay quiet rather than post empty pages.
 */
export function chainConfigured(chain: ChainSnapshot): boolean {
  return chain.levels.some(levelHasTargets);
}

/** "Level 2 of 3 (Secondary: Database engineer)". */
export function levelLabel(chain: ChainSnapshot, level: number): string {
  return `level ${level + 1} of ${chain.levels.length} (${chain.levels[level]?.name ?? 'unknown'})`;
}
