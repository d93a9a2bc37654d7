import { z } from 'zod';
import type { Incident } from '../src/incidents/incident-store';
import type { CommandContext } from './command';

export const incidentIdArg = z.string().regex(/^inc-[a-z0-9-]{1,60}$/, 'an incident id such as inc-7f3a2c');

/**
 * The incident a timeline command means: the one named (open or resolved), else the channel's open incident,
 * else the only open one. Never a guess between several.
 */
export async function timelineIncident(ctx: CommandContext, named: string | undefined): Promise<{ incident: Incident } | { problem: string }> {
  const incidents = ctx.services.store.incidents;
  if (named) {
    const incident = await incidents.get(named);
    return incident ? { incident } : { problem: `No incident \`${named}\`. \`/stemedb status\` lists the open ones.` };
  }
  const inChannel = ctx.channelId ? await incidents.openForChannel(ctx.channelId) : undefined;
  if (inChannel) return { incident: inChannel };
  const open = await incidents.listOpen();
  if (open.length === 1) return { incident: open[0]! };
  if (open.length === 0) return { problem: 'No open incident here; name one, e.g. `inc-7f3a2c` (resolved ones too).' };
  return {
    problem: `Several open incidents: ${open
      .slice(0, 10)
      .map((i) => `\`${i.id}\``)
      .join(', ')}. Name one.`,
  };
}
