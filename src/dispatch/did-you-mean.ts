import { distance } from 'fastest-levenshtein';

/**
 * The known word closest to a typo, if close enough to be a plausible slip (edit distance <= 2, or a prefix).
 * @example didYouMean('diagnoze', ['diagnose', 'stats']) // 'diagnose'
 */
export function didYouMean(word: string, known: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const prefixed = known.filter((k) => k.startsWith(lower) && lower.length >= 2);
  if (prefixed.length === 1) return prefixed[0];
  let best: { word: string; d: number } | undefined;
  for (const k of known) {
    const d = distance(lower, k);
    if (!best || d < best.d) best = { word: k, d };
  }
  return best && best.d <= Math.min(2, Math.ceil(best.word.length / 3)) ? best.word : undefined;
}
