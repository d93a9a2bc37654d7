import { findingLabel } from '../diagnosis/verdict';
import { CHECK_IDS, CHECK_TITLES, type CheckResult, type CheckStatus, type DiagnosisResult } from '../diagnosis/types';

const STATUS_TAG: Record<CheckStatus, string> = { ok: '[ok]', warning: '[WARN]', critical: '[CRIT]', unknown: '[n/a]' };

/** The shell's progress lines (also Slack's notification text while a diagnosis runs). */
export function progressText(node: string, done: readonly CheckResult[]): string {
  const lines = CHECK_IDS.map((id) => {
    const r = done.find((c) => c.id === id);
    return r ? `  ${STATUS_TAG[r.status]} ${CHECK_TITLES[id]}: ${r.summary}` : `  [...] ${CHECK_TITLES[id]}: running`;
  });
  return `Diagnosing ${node}... (partial: ${done.length}/${CHECK_IDS.length} steps)\n${lines.join('\n')}`;
}

/** The whole diagnosis as plain text: the shell prints it, Slack uses it as the message's fallback text. */
export function diagnosisText(result: DiagnosisResult): string {
  const { verdict } = result;
  const out = [`${result.node}: ${findingLabel(verdict.causes[0]!)} (${verdict.severity})`, verdict.summary];
  if (verdict.escalate) out.push(`ESCALATE IMMEDIATELY (runbook): ${verdict.escalateReasons.join('; ')}`);
  out.push('', 'Investigation steps:');
  for (const id of CHECK_IDS) {
    const r = result.checks.find((c) => c.id === id);
    out.push(`  ${r ? STATUS_TAG[r.status] : '[n/a]'} ${CHECK_TITLES[id]}: ${r?.summary ?? 'not run'}`);
  }
  for (const cause of verdict.causes) {
    out.push('', `Evidence for ${findingLabel(cause)}:`, ...cause.evidence.map((e) => `  - ${e}`));
  }
  for (const rec of result.recommendations) {
    out.push('', `What to do: ${rec.title}${rec.action ? ` [bot action: ${rec.action}]` : ''}`, ...rec.steps.map((s, i) => `  ${i + 1}. ${s}`));
  }
  out.push('', `Diagnosed in ${(result.durationMs / 1000).toFixed(1)}s at ${result.startedAt}`);
  return out.join('\n');
}
