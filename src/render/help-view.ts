import type { Command } from '../../commands/command';
import type { View } from '../surfaces/view';
import { context, section } from './blocks';

type CommandInfo = Pick<Command, 'name' | 'usage' | 'summary' | 'sideEffects'>;

function lines(commands: readonly CommandInfo[]): string[] {
  return commands.map((c) => `\`/stemedb ${c.usage}\` - ${c.summary}${c.sideEffects ? ' (asks to confirm)' : ''}`);
}

/** `/stemedb help`, generated from the command registry. */
export function helpView(commands: readonly CommandInfo[], nodes: readonly string[]): View {
  const body = lines(commands).join('\n');
  const nodeLine = `Nodes: ${nodes.join(', ')}`;
  return {
    text: `*StemeDB on-call bot* - runbook "High Storage Error Rate"\n${body}\n${nodeLine}`,
    blocks: [section(`*StemeDB on-call bot* - runbook _High Storage Error Rate_\n${body}`), context(nodeLine)],
  };
}

/** The usage message for a typo or bad arguments, with a suggestion when one is close. */
export function usageView(problem: string, commands: readonly CommandInfo[], suggestion?: CommandInfo): View {
  const hint = suggestion ? `Did you mean \`/stemedb ${suggestion.usage}\`?` : 'Usage:';
  const usage = suggestion ? '' : `\n${lines(commands).join('\n')}`;
  const text = `${problem}\n${hint}${usage}`;
  return { text, blocks: [section(text)] };
}
