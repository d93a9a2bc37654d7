import { z } from 'zod';

/** The LSM figures of `/v1/admin/storage/stats` at one moment. */
export const lsmFiguresSchema = z.object({
  sstFiles: z.number(),
  totalBytes: z.number(),
  pendingBytes: z.number(),
  /** `compaction_running` when the node reports it; null when it does not. */
  running: z.boolean().nullable(),
  at: z.string(),
});
export type LsmFigures = z.infer<typeof lsmFiguresSchema>;

/** Free space of the data dir (`df`), or why it could not be read. */
export type DiskFigures = { available: true; freeFraction: number; availBytes: number; sizeBytes: number } | { available: false; reason: string };

/** The newest KV store snapshot in the node's `backupDir` (`configured: false` without one). */
export type BackupFigures =
  | { configured: false }
  | { configured: true; dir: string; available: true; name: string; takenAt: string }
  | { configured: true; dir: string; available: false; reason: string };

/** Error and operation counters summed by operation, from one `/metrics` scrape. */
export const counterSnapshotSchema = z.object({
  atMs: z.number(),
  errors: z.record(z.string(), z.number()),
  operations: z.record(z.string(), z.number()),
});
export type CounterSnapshot = z.infer<typeof counterSnapshotSchema>;

/** What the bot knew before a run, kept with the lock so a restarted bot can still compare. */
export const runBeforeSchema = z.object({
  lsm: lsmFiguresSchema.nullable(),
  /** Error rate just before the run (fraction), and where it came from. */
  errorRate: z.number().nullable(),
  errorRateSource: z.string().nullable(),
});
export type RunBefore = z.infer<typeof runBeforeSchema>;

export type RunOutcome = 'succeeded' | 'failed' | 'timed_out' | 'interrupted';

/** Who asked, from where: the same for the slash command, the buttons and the shell. */
export interface CompactionActor {
  userId: string;
  userName?: string;
  surface: 'slack' | 'shell';
}

export const SHELL_ACTOR_ID = 'local-shell';

/** The audit log's actor: the Slack user id, or `local-shell`. */
export function auditActor(actor: CompactionActor): string {
  return actor.surface === 'shell' ? SHELL_ACTOR_ID : actor.userId;
}

/** `<@U123>` in Slack; the shell user's name in the shell. */
export function actorMention(actor: { userId: string; surface?: string }): string {
  return actor.surface === 'shell' || actor.userId === SHELL_ACTOR_ID ? 'the local shell' : `<@${actor.userId}>`;
}
