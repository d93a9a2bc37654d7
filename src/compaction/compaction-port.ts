import type { Redeemed } from '../access/pending-actions';
import type { NodeConfig } from '../config/schema';
import type { Reply } from '../surfaces/chat-port';
import type { View } from '../surfaces/view';
import type { CompactionActor } from './compaction-types';
import type { ConfirmValue } from './compaction-views';

/** The compaction feature as the rest of the bot sees it; implemented by compaction-service.ts. */

export interface CompactionRequest {
  node: NodeConfig;
  force: boolean;
  dryRun: boolean;
  /** Shell only: go ahead without a confirm step (the user typed `--yes`). */
  yes: boolean;
  incidentId?: string;
  actor: CompactionActor;
  channelId?: string;
  threadTs?: string;
}

/** Answers to a click on the confirmation: they replace it (Slack: the ephemeral with the buttons). */
export type ReplaceConfirmation = (view: View) => Promise<void>;

/**
 * The guarded compaction flow (SPEC 4.3): access -> preconditions -> confirmation -> one run per node ->
 * progress -> summary -> closed loop. Runs survive a restart through the lock store.
 */
export interface CompactionService {
  /** `/stemedb compact` and the Compact button: check, then offer the confirmation (or run, in the shell with --yes). */
  request(req: CompactionRequest, reply: Reply): Promise<void>;
  /**
   * A click on Confirm or Cancel, after the button middleware redeemed its pending confirmation (the button
   * carries only its id; node, force, channel and expiry come from the stored record). Unknown, used, expired
   * or someone else's: refused and audited here, and `problem` is what the clicker is told.
   */
  confirmation(
    kind: 'confirm' | 'cancel',
    redeemed: Redeemed<Record<string, unknown>>,
    pendingId: string,
    actor: CompactionActor,
  ): Promise<ConfirmValue | { problem: string }>;
  /** Runs a confirmation the bot issued. Resolves when the run (and its re-check) ended. */
  confirm(value: ConfirmValue, actor: CompactionActor, replace: ReplaceConfirmation): Promise<void>;
  cancel(value: ConfirmValue, actor: CompactionActor, replace: ReplaceConfirmation): Promise<void>;
  /**
   * At start-up: resume watching the runs found in the store whose watch this process claims (nobody watches
   * them, or their watcher's lease ran out), or report what they last showed. A run another replica watches is
   * left to it.
   */
  resume(): Promise<void>;
  /** Every replica poll: takes over the watches whose lease ran out (their replica died or stalled). */
  takeOver(): Promise<void>;
  /** Stops watching (locks stay, their watches handed back for another replica or the next start); waits for the watchers. */
  stop(): Promise<void>;
}
