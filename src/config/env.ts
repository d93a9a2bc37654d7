import { z } from 'zod';
import { ConfigError } from './load-config';

/** PagerDuty Events API v2; `PAGERDUTY_EVENTS_URL` overrides it (tests point it at a capture server). */
export const DEFAULT_PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

/** Every environment variable the bot reads; `.env.example` lists the same. Secrets come only from here. */
export const envSchema = z.object({
  STEMEDB_CHATOPS_CONFIG: z.string().default('./stemedb-chatops.yml'),
  SLACK_BOT_TOKEN: z.string().startsWith('xoxb-', 'a bot token starts with xoxb-').optional(),
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  SLACK_APP_TOKEN: z.string().startsWith('xapp-', 'an app-level token starts with xapp-').optional(),
  SLACK_API_URL: z.url().optional(),
  /** The only prefix a payload's response_url may have (tests point it at the fake Slack). */
  SLACK_RESPONSE_URL_PREFIX: z.url().optional(),
  ALERTMANAGER_TOKEN: z.string().min(16, 'use at least 16 characters').optional(),
  PAGERDUTY_EVENTS_URL: z.url().default(DEFAULT_PAGERDUTY_EVENTS_URL),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = z.output<typeof envSchema>;

/** Empty strings count as unset, as in most .env tooling. */
export function parseEnv(raw: NodeJS.ProcessEnv): Env {
  const cleaned = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v !== ''));
  const result = envSchema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(
      'environment',
      result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    );
  }
  return result.data;
}

/**
 * Slack mode needs a bot token and either a signing secret (HTTP) or an app token (Socket Mode). Local mode is
 * only for a machine with no Slack credential at all: one secret missing in a service unit must stop start-up
 * loudly, not turn the bot into a shell that exits at once.
 */
export function slackModeOf(env: Env): { mode: 'socket' | 'http' } | { mode: 'local'; reason: string } | { mode: 'incomplete'; problem: string } {
  const set = (['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET'] as const).filter((k) => env[k] !== undefined);
  if (set.length === 0) return { mode: 'local', reason: 'SLACK_BOT_TOKEN is not set (nor any other Slack credential)' };
  if (!env.SLACK_BOT_TOKEN)
    return { mode: 'incomplete', problem: `${set.join(' and ')} ${set.length > 1 ? 'are' : 'is'} set but SLACK_BOT_TOKEN (xoxb-...) is missing` };
  if (env.SLACK_APP_TOKEN) return { mode: 'socket' };
  if (env.SLACK_SIGNING_SECRET) return { mode: 'http' };
  return {
    mode: 'incomplete',
    problem:
      'SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket Mode, xapp-...) nor SLACK_SIGNING_SECRET (HTTP mode) is: set one of them, or unset SLACK_BOT_TOKEN for the local shell',
  };
}
