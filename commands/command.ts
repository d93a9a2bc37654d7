import { z } from 'zod';
import type { Services } from '../src/app/services';
import type { Reply } from '../src/surfaces/view';

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
export interface CommandContext {
  surface: 'slack' | 'shell';
  invoker: Invoker;
  channelId?: string;
  services: Services;
  reply: Reply;
}

/**
 * One `/stemedb` subcommand. `help` is generated from these declarations, so usage and summary are the
 * documentation. `sideEffects` marks commands that change something: they must confirm before acting.
 */
export interface Command<Args = unknown> {
  name: string;
  usage: string;
  summary: string;
  args: z.ZodType<Args, ArgTokens>;
  sideEffects: boolean;
  run(ctx: CommandContext, args: Args): Promise<void>;
}

/** Identity helper that keeps each command's argument type attached to its handler. */
export function defineCommand<Args>(command: Command<Args>): Command<Args> {
  return command;
}

/** Node names are lowercase in the config; `STEMEDB-1` typed in a hurry means the same node. */
export const nodeArg = z.string().toLowerCase().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a node name such as stemedb-1');

/** A bare `--flag`; `--flag=anything` is refused so a typo never flips a dangerous default. */
export const booleanFlag = z.literal(true).optional().transform((v) => v === true);

/** Schema for commands that take exactly these positionals and these flags. */
export function argsOf<P extends z.ZodTypeAny, F extends z.ZodRawShape>(positionals: P, flags: F) {
  return z.object({ positionals, flags: z.object(flags).strict() });
}
