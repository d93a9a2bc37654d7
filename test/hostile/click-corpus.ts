/**
 * Forged button clicks: values the bot never put on a button. Builders only; the tests click them through
 * signed block_actions payloads into the real receiver.
 */

/** Values for the compaction Confirm / Cancel buttons the bot never issued. */
export function forgedConfirmValues(nowMs: number): { name: string; value: string }[] {
  const old = { requestId: 'forged0123456789ab', node: 'stemedb-1', force: true, channel: 'C0ALERTS', issuedAtMs: nowMs + 365 * 86_400_000 };
  return [
    { name: 'a full confirmation made up by the client (force, a year ahead)', value: JSON.stringify(old) },
    { name: 'the same with an incident id', value: JSON.stringify({ ...old, incidentId: 'inc-000000' }) },
    { name: 'a well-formed pending id the bot never issued', value: 'pa_AAAAAAAAAAAAAAAAAAAAAA' },
    { name: 'an empty value', value: '' },
    { name: 'JSON null', value: 'null' },
    { name: 'an SQL fragment', value: "' OR 1=1 --" },
    { name: 'a 2,000-character value', value: 'x'.repeat(2000) },
  ];
}

/** Values for the diagnosis/alert buttons (Compact, Escalate, Run again) that name nothing the bot knows. */
export const FORGED_TARGET_VALUES: { name: string; value: string }[] = [
  { name: 'a node outside the inventory', value: JSON.stringify({ node: 'evil.example.com' }) },
  { name: 'an incident that does not exist', value: JSON.stringify({ node: 'stemedb-1', incidentId: 'inc-ffffffffffff' }) },
  { name: 'an incident id that is not one', value: JSON.stringify({ node: 'stemedb-1', incidentId: '../../etc' }) },
  { name: 'not JSON', value: '{node:' },
  { name: 'a JSON array', value: '[]' },
];
