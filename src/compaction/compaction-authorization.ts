import { z } from 'zod';
import { describePrincipals, refusalText } from '../access/access-control';
import type { Services } from '../app/services';
import type { Incident, IncidentEvent } from '../incidents/incident-store';
import type { CompactionActor } from './compaction-types';

export type Authorization = { allowed: true; via: 'shell' | 'operator' | 'paged' } | { allowed: false; refusal: string };

const pagedDetail = z.object({ userIds: z.array(z.string()) });

/** Users paged for an incident (escalation's `paged` events carry `detail.userIds`). Pure. */
export function pagedResponders(events: readonly IncidentEvent[]): Set<string> {
  const users = new Set<string>();
  for (const event of events) {
    if (event.kind !== 'paged') continue;
    const parsed = pagedDetail.safeParse(event.detail);
    if (parsed.success) for (const id of parsed.data.userIds) users.add(id);
  }
  return users;
}

/** The open incident the action is about: the button's, or the node's latest. */
function incidentFor(services: Services, node: string, incidentId?: string): Incident | undefined {
  const incident = incidentId ? services.store.incidents.get(incidentId) : services.store.incidents.openForNode(node);
  return incident && incident.status === 'open' && incident.node === node ? incident : undefined;
}

/**
 * Who may compact: `access.operators`, and during an incident on the node the responders paged for it. The
 * local shell's user is an operator (it runs on the operator's own machine).
 */
export async function authorizeCompaction(services: Services, actor: CompactionActor, node: string, incidentId?: string): Promise<Authorization> {
  if (actor.surface === 'shell') return { allowed: true, via: 'shell' };
  if (await services.access.isOperator(actor.userId)) return { allowed: true, via: 'operator' };
  const incident = incidentFor(services, node, incidentId);
  if (incident && pagedResponders(services.store.incidents.events(incident.id)).has(actor.userId)) return { allowed: true, via: 'paged' };
  const operators = describePrincipals(services.access.operators);
  const allowed = [operators && `operators (${operators})`, incident && `the responders paged for ${incident.id}`].filter((s): s is string => Boolean(s));
  return { allowed: false, refusal: refusalText(`compact ${node}`, allowed) };
}
