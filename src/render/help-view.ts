import type { CommandHelp } from '../surfaces/command-types';
import type { View } from '../surfaces/view';
import { context, section } from './blocks';

type CommandInfo = CommandHelp;

/** What each option does, wherever a command's usage names it. */
const OPTION_TEXT: Record<string, string> = {
  '--force': 'compact even when the figures do not call for it (the runbook\'s `{"force": true}`)',
  '--dry-run': 'check and show what would happen; change nothing',
  '--yes': 'the local shell only: go ahead without the confirmation step',
  '--confirm': 'go ahead without the confirmation button',
  '--json': 'print the result as JSON',
};

function lines(commands: readonly CommandInfo[]): string[] {
  return commands.map((c) => `\`/stemedb ${c.usage}\` - ${c.summary}${c.sideEffects ? ' (asks to confirm)' : ''}`);
}

/** `/stemedb help`, generated from the command registry. */
export function helpView(commands: readonly CommandInfo[], nodes: readonly string[]): View {
  const body = lines(commands).join('\n');
  const nodeLine = `Nodes: ${nodes.join(', ')} · \`/stemedb help <command>\` shows a command's options and an example`;
  return {
    text: `*StemeDB on-call bot* - runbook "High Storage Error Rate"\n${body}\n${nodeLine}`,
    blocks: [section(`*StemeDB on-call bot* - runbook _High Storage Error Rate_\n${body}`), context(nodeLine)],
  };
}

/** An example of a command's usage with real values: the first node, no optional parts. */
export function exampleOf(command: CommandInfo, nodes: readonly string[]): string {
  const node = nodes[0] ?? 'stemedb-1';
  return command.usage
    .replace(/<node>|\[node\]/g, node)
    .replace(/\[reason\.*\]|<reason\.*>/g, 'error rate over 10%')
    .replace(/\s*\[[^\]]*\]/g, '')
    .replace(/<n>/g, '10');
}

/** `/stemedb help <command>`: usage, what it does, each option, an example. */
export function helpDetailView(command: CommandInfo, nodes: readonly string[]): View {
  const options = [...command.usage.matchAll(/--[a-z-]+/g)].map((m) => `• \`${m[0]}\`: ${OPTION_TEXT[m[0]] ?? 'see the summary above'}`);
  const text = [
    `\`/stemedb ${command.usage}\``,
    `${command.summary}${command.sideEffects ? ' (asks to confirm)' : ''}`,
    ...(options.length ? ['Options:', ...options] : []),
    `Example: \`/stemedb ${exampleOf(command, nodes)}\``,
  ].join('\n');
  return { text, blocks: [section(text)] };
}

/** One line for a typo or an over-long command: the problem and a suggestion, never the whole usage. */
export function usageView(problem: string, suggestion?: CommandInfo): View {
  const hint = suggestion ? `Did you mean \`/stemedb ${suggestion.usage}\`?` : '`/stemedb help` lists the commands.';
  const text = `${problem} ${hint}`;
  return { text, blocks: [section(text)] };
}
