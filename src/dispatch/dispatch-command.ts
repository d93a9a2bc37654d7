import type { Command, CommandContext } from '../../commands/command';
import { authorizeAction } from '../access/action-rules';
import { textView } from '../render/blocks';
import { usageView } from '../render/help-view';
import { StemedbError } from '../stemedb/stemedb-client';
import { didYouMean } from './did-you-mean';
import { MAX_COMMAND_TEXT, tokenize } from './tokenize';

export type DispatchOutcome = 'ok' | 'usage' | 'refused' | 'error';

/**
 * Runs `/stemedb <text>`: finds the subcommand, checks the channel, validates the arguments, runs the handler.
 * Typos and bad arguments get a private usage message; a failing handler gets a private error sentence (the
 * log gets the stack). Never throws.
 */
export async function dispatchCommand(text: string, ctx: CommandContext): Promise<DispatchOutcome> {
  const { services } = ctx;
  const commands = services.commands;
  const finish = (name: string, outcome: DispatchOutcome) => {
    services.metrics.commands.inc({ command: name, outcome });
    return outcome;
  };

  if (text.length > MAX_COMMAND_TEXT) {
    await ctx.reply.private(usageView(`That command is ${text.length} characters long; the limit is ${MAX_COMMAND_TEXT}.`));
    return finish('invalid', 'usage');
  }
  const { sub, rest } = tokenize(text);
  const helpCommand = commands.find((c) => c.name === 'help');
  const command = sub === undefined ? helpCommand : commands.find((c) => c.name === sub);
  if (!command) {
    const guess = didYouMean(
      sub ?? '',
      commands.map((c) => c.name),
    );
    const suggestion = commands.find((c) => c.name === guess);
    await ctx.reply.private(usageView(`\`${clipWord(sub ?? '')}\` is not a /stemedb command.`, suggestion));
    return finish('unknown', 'usage');
  }

  // The channel rule of access/action-rules.ts. `ack` applies its own (paged responders may ack from anywhere).
  const where =
    command.name === 'ack'
      ? ({ allowed: true } as const)
      : await authorizeAction(services, {
          action: 'other',
          auditAction: command.name,
          label: command.name,
          userId: ctx.invoker.userId,
          surface: ctx.surface,
          channelId: ctx.channelId,
          via: 'command',
        });
  if (!where.allowed) {
    await ctx.reply.private(textView(where.refusal));
    return finish(command.name, 'refused');
  }

  const parsed = command.args.safeParse(rest);
  if (!parsed.success) {
    await ctx.reply.private(textView(`Usage: \`/stemedb ${command.usage}\` (${describeArgIssue(parsed.error.issues[0])})`));
    return finish(command.name, 'usage');
  }

  try {
    const effects = (command as Command<unknown>).sideEffects;
    if (effects && effects.rule) {
      const target = await effects.rule(ctx, parsed.data);
      if (!target) return finish(command.name, 'usage');
      if ('problem' in target) {
        await ctx.reply.private(textView(target.problem));
        return finish(command.name, 'usage');
      }
      const rule = await authorizeAction(services, { ...target, userId: ctx.invoker.userId, surface: ctx.surface, channelId: ctx.channelId, via: 'command' });
      if (!rule.allowed) {
        await ctx.reply.private(textView(rule.refusal));
        return finish(command.name, 'refused');
      }
    }
    if (effects && effects.confirm !== 'button' && !confirmed(parsed.data, effects.confirm.flag)) {
      await effects.confirm.preview(ctx, parsed.data);
      return finish(command.name, 'ok');
    }
    await (command as Command<unknown>).run(ctx, parsed.data);
    return finish(command.name, 'ok');
  } catch (err) {
    services.log.error({ err, command: command.name, user: ctx.invoker.userId }, 'command failed');
    const message = err instanceof StemedbError ? err.message : `Something went wrong running \`${command.name}\`; the bot's log has the details.`;
    await ctx.reply.private(textView(`:warning: ${message}`)).catch(() => undefined);
    return finish(command.name, 'error');
  }
}

/** Whether the parsed arguments carry `--<flag>` (argsOf puts flags under `flags`). */
function confirmed(args: unknown, flag: string): boolean {
  const flags = (args as { flags?: Record<string, unknown> } | undefined)?.flags;
  return flags?.[flag] === true;
}

function clipWord(word: string): string {
  return word.length > 40 ? `${word.slice(0, 40)}…` : word.replace(/`/g, "'");
}

function describeArgIssue(issue: { path: PropertyKey[]; message: string; code?: string } | undefined): string {
  if (!issue) return 'invalid arguments';
  const [where, key] = issue.path;
  if (where === 'flags' && issue.code === 'unrecognized_keys') return `unknown option: ${issue.message}`;
  if (where === 'flags') return `--${String(key)} takes no value`;
  if (where === 'positionals' && issue.code === 'too_big') return 'too many arguments';
  if (where === 'positionals' && issue.code === 'too_small') return 'missing argument';
  return issue.message;
}
