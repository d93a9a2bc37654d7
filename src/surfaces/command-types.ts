import type { z } from 'zod';
import type { Reply } from './chat-port';

/**
 * The shape of a `/stemedb` subcommand, free of the services it runs with: `S` is filled in by
 * commands/command.ts. It lives in a leaf so the service wiring (which lists the commands) and the commands
 * (which receive the services) do not import each other.
 */

/** Command-line words after the subcommand: `--flag` / `--flag=value` apart from the positionals. */
export interface ArgTokens {
  positionals: string[];
  flags: Record<string, string | true>;
}

export interface Invoker {
  userId: string;
  userName?: string;
}

/** Everything a handler gets; the same for Slack and the local shell. */
export interface CommandContextOf<S> {
  surface: 'slack' | 'shell';
  invoker: Invoker;
  channelId?: string;
  services: S;
  reply: Reply;
}

/**
 * How a command that changes something is guarded; the dispatcher (src/dispatch/dispatch-command.ts) applies
 * it after the channel rule and the arguments, so a command cannot skip a step:
 * - `rule`: what the command acts on, as an access request `R` (access/action-rules.ts, refusals audited
 *   there, like buttons), or a `problem` to answer, or undefined when the command already answered (an unknown
 *   node). Absent: the command's own flow applies the rule (compaction audits its refusals with more detail).
 * - `confirm`: `{ flag, preview }`: without `--<flag>` the dispatcher runs `preview` (nothing changes) instead
 *   of `run`; `'button'`: `run` offers a confirmation (a pending action) that the button middleware
 *   (slack/ruled-button.ts) redeems, and the local shell asks for `--yes`.
 */
export interface SideEffectsOf<S, Args, R> {
  rule?(ctx: CommandContextOf<S>, args: Args): Promise<R | { problem: string } | undefined>;
  confirm: { flag: string; preview(ctx: CommandContextOf<S>, args: Args): Promise<void> } | 'button';
}

/**
 * One `/stemedb` subcommand. `help` is generated from these declarations, so usage and summary are the
 * documentation. `sideEffects` marks commands that change something: they confirm before acting, and the
 * dispatcher enforces how (see SideEffectsOf).
 */
export interface CommandOf<S, Args = unknown, R = unknown> {
  name: string;
  usage: string;
  summary: string;
  args: z.ZodType<Args, ArgTokens>;
  sideEffects: false | SideEffectsOf<S, Args, R>;
  /**
   * Slack hears 200 only once the command has recorded what it does (or after ~2 s, inside Slack's 3 s):
   * an acknowledged escalate, ack or resolve must survive the replica dying right after the ack, because
   * Slack never re-sends an acknowledged command. Commands that only read are acked first.
   */
  recordBeforeAck?: true;
  run(ctx: CommandContextOf<S>, args: Args): Promise<void>;
}

/** What `help` and usage messages read of a command. */
export type CommandHelp = Pick<CommandOf<unknown>, 'name' | 'usage' | 'summary' | 'sideEffects'>;
