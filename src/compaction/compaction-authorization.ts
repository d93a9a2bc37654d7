import { decideAction, type RuleDeps } from '../access/action-rules';
import type { Incident } from '../incidents/incident-store';
import type { CompactionActor } from './compaction-types';

export { pagedResponders } from '../access/action-rules';

export type Authorization = { allowed: true; via: 'shell' | 'operator' | 'paged' } | { allowed: false; refusal: string };

/** The open incident the action is about: the button's, or the node's latest. */
export async function incidentFor(services: Pick<RuleDeps, 'store'>, node: string, incidentId?: string): Promise<Incident | undefined> {
  const incident = incidentId ? await services.store.incidents.get(incidentId) : await services.store.incidents.openForNode(node);
  return incident && incident.status === 'open' && incident.node === node ? incident : undefined;
}

/**
 * Who may compact, from the one rule set (access/action-rules.ts): `access.operators`, and during an incident
 * on the node the responders paged for it, in `access.channels`. The local shell's user is an operator (it
 * runs on the operator's own machine). The compaction service audits refusals itself (with force and reason).
 */
export async function authorizeCompaction(
  services: RuleDeps,
  actor: CompactionActor,
  node: string,
  incidentId?: string,
  channelId?: string,
): Promise<Authorization> {
  const verdict = await decideAction(services, {
    action: 'compact',
    label: `compact ${node}`,
    userId: actor.userId,
    surface: actor.surface,
    channelId,
    incident: await incidentFor(services, node, incidentId),
    node,
    via: 'button',
  });
  if (!verdict.allowed) return verdict;
  return { allowed: true, via: verdict.via === 'anyone' ? 'operator' : verdict.via };
}
