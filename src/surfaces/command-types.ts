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
 * One `/stemedb` subcommand. `help` is generated from these declarations, so usage and summary are the
 * documentation. `sideEffects` marks commands that change something: they must confirm before acting.
 */
export interface CommandOf<S, Args = unknown> {
  name: string;
  usage: string;
  summary: string;
  args: z.ZodType<Args, ArgTokens>;
  sideEffects: boolean;
  run(ctx: CommandContextOf<S>, args: Args): Promise<void>;
}

/** What `help` and usage messages read of a command. */
export type CommandHelp = Pick<CommandOf<unknown>, 'name' | 'usage' | 'summary' | 'sideEffects'>;
