import type { UnitOfWork } from '../app/repositories';
import type { Incident } from '../incidents/incident-store';

export type Pick = { incident: Incident } | { problem: string };

/**
 * The incident a command means: the one named, else the open incident threaded in this channel among the
 * candidates, else the only candidate. Never a guess between several: the answer lists them instead.
 * @example await pickIncident(services, undefined, 'C0ALERTS', await services.store.incidents.listOpen(), 'open')
 */
export async function pickIncident(
  services: { store: UnitOfWork },
  named: string | undefined,
  channelId: string | undefined,
  candidates: readonly Incident[],
  what: string,
): Promise<Pick> {
  if (named) {
    const incident = await services.store.incidents.get(named);
    return incident ? { incident } : { problem: `No incident \`${named}\`. \`/stemedb status\` lists the open ones.` };
  }
  if (candidates.length === 0) return { problem: `No ${what} incident.` };
  const inChannel = channelId ? candidates.filter((i) => i.channel === channelId) : [];
  if (candidates.length === 1) return { incident: candidates[0]! };
  if (inChannel.length === 1) return { incident: inChannel[0]! };
  const list = candidates
    .slice(0, 10)
    .map((i) => `\`${i.id}\` (${i.node ?? 'no node'})`)
    .join(', ');
  return { problem: `Several ${what} incidents: ${list}. Name one, e.g. \`${candidates[0]!.id}\`.` };
}
