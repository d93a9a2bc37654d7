import { z } from 'zod';
import type { ActionRequest } from '../src/access/action-rules';
import type { Services } from '../src/app/services';
import type { CommandContextOf, CommandOf } from '../src/surfaces/command-types';

export type { ArgTokens, Invoker } from '../src/surfaces/command-types';

/** Everything a handler gets; the same for Slack and the local shell. */
export type CommandContext = CommandContextOf<Services>;

/** What a side-effecting command acts on, for the one rule set the dispatcher applies (access/action-rules.ts). */
export type RuleRequest = Omit<ActionRequest, 'userId' | 'surface' | 'channelId' | 'via'>;

/** One `/stemedb` subcommand (see src/surfaces/command-types.ts). */
export type Command<Args = unknown> = CommandOf<Services, Args, RuleRequest>;

/** Identity helper that keeps each command's argument type attached to its handler. */
export function defineCommand<Args>(command: Command<Args>): Command<Args> {
  return command;
}

/** Node names are lowercase in the config; `STEMEDB-1` typed in a hurry means the same node. */
export const nodeArg = z
  .string()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a node name such as stemedb-1');

/** A bare `--flag`; `--flag=anything` is refused so a typo never flips a dangerous default. */
export const booleanFlag = z
  .literal(true)
  .optional()
  .transform((v) => v === true);

/** Schema for commands that take exactly these positionals and these flags. */
export function argsOf<P extends z.ZodTypeAny, F extends z.ZodRawShape>(positionals: P, flags: F) {
  return z.object({ positionals, flags: z.object(flags).strict() });
}
