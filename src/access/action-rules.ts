import { z } from 'zod';
import type { UnitOfWork } from '../app/repositories';
import type { Config } from '../config/schema';
import type { AccessControl } from './access-control';
import type { Incident, IncidentEvent } from '../incidents/incident-store';
import { describePrincipals, refusalText } from './access-control';

/**
 * The one rule set for everything a user does, typed or clicked (README "Security" lists it):
 *
 * | action    | who                                               | where                                        |
 * |-----------|---------------------------------------------------|----------------------------------------------|
 * | ack       | responders paged for the incident, operators      | anywhere (a page is a DM)                    |
 * |           | anyone else                                       | an allowed channel for acks (below)          |
 * | resolve   | operators, responders paged for the incident      | `access.channels` (when set)                 |
 * | compact   | operators, responders paged for the node's incident | `access.channels` (when set)               |
 * | silence   | operators                                         | `access.channels` (when set)                 |
 * | other     | anyone (escalate, diagnose, read-only commands)   | `access.channels` (when set)                 |
 *
 * "An allowed channel for acks" is `access.channels` when set, else the incident's thread channel or
 * `slack.alertChannel`: a bystander elsewhere cannot stop the paging. The local shell runs on an
 * operator's machine and is always allowed. Every refusal is written to the audit log here.
 */
/** What the rules read: who the operators are, the incident's pages, the allowed channels; and the audit log. */
export interface RuleDeps {
  access: AccessControl;
  store: UnitOfWork;
  config: Config;
  now: () => Date;
}

export type RuledAction = 'ack' | 'resolve' | 'compact' | 'silence' | 'other';

export interface ActionRequest {
  action: RuledAction;
  /** Audit log `action` (the command or button name); defaults to `action`. */
  auditAction?: string;
  /** What the user sees in a refusal: "acknowledge inc-1a2b3c". */
  label: string;
  userId: string;
  surface: 'slack' | 'shell';
  channelId?: string;
  incident?: Incident;
  node?: string;
  /** 'button' or 'command', for the audit log. */
  via: 'button' | 'command';
}

export type ActionVerdict = { allowed: true; via: 'shell' | 'operator' | 'paged' | 'anyone' } | { allowed: false; refusal: string };

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

/** Whether `access.channels` lets Slack requests from this channel through (all channels when it is empty). */
export function channelAllowed(services: Pick<RuleDeps, 'config'>, channelId: string | undefined): boolean {
  const channels = services.config.access.channels;
  return channels.length === 0 || channels.includes(channelId ?? '');
}

function channelsText(services: Pick<RuleDeps, 'config'>): string {
  return services.config.access.channels.map((c) => `<#${c}>`).join(', ');
}

/**
 * Audits a click that named nothing the bot knows (a forged or stale value): it is refused before any rule
 * applies, and still leaves a trace of who tried what from where.
 */
export async function auditUnknownTarget(
  services: Pick<RuleDeps, 'store' | 'now'>,
  click: { userId: string; action: string; channelId?: string; value: string; reason: string },
): Promise<void> {
  await services.store.audit.record(
    {
      actor: click.userId,
      action: click.action,
      outcome: 'refused',
      detail: { via: 'button', channel: click.channelId ?? null, reason: click.reason, value: click.value.slice(0, 200) },
    },
    services.now(),
  );
}

/** Decides, and audits a refusal. The handler shows `refusal` privately and does nothing else. */
export async function authorizeAction(services: RuleDeps, req: ActionRequest): Promise<ActionVerdict> {
  const verdict = await decideAction(services, req);
  if (!verdict.allowed) {
    await services.store.audit.record(
      {
        actor: req.userId,
        action: req.auditAction ?? req.action,
        node: req.node ?? req.incident?.node ?? null,
        incidentId: req.incident?.id ?? null,
        outcome: 'refused',
        detail: { via: req.via, channel: req.channelId ?? null, reason: verdict.refusal.replace(/ Your attempt was recorded in the audit log\.$/, '') },
      },
      services.now(),
    );
  }
  return verdict;
}

/** The decision alone, for flows that audit their refusals with more detail (compaction). */
export async function decideAction(services: RuleDeps, req: ActionRequest): Promise<ActionVerdict> {
  if (req.surface === 'shell') return { allowed: true, via: 'shell' };
  const { incident } = req;
  const isOperator = () => services.access.isOperator(req.userId);
  const isPaged = async () => Boolean(incident && pagedResponders(await services.store.incidents.events(incident.id)).has(req.userId));
  const operators = describePrincipals(services.access.operators);
  const operatorsText = operators ? `operators (${operators})` : undefined;
  const pagedText = incident ? `the responders paged for ${incident.id}` : undefined;

  if (req.action === 'ack') {
    if (await isPaged()) return { allowed: true, via: 'paged' };
    if (await isOperator()) return { allowed: true, via: 'operator' };
    const ackChannels =
      services.config.access.channels.length > 0
        ? services.config.access.channels
        : [incident?.channel, services.config.slack.alertChannel].filter((c): c is string => Boolean(c));
    if (req.channelId && ackChannels.includes(req.channelId)) return { allowed: true, via: 'anyone' };
    const where = ackChannels.map((c) => `<#${c}>`).join(', ');
    return {
      allowed: false,
      refusal: refusalText(
        req.label,
        [pagedText, operatorsText, where && `anyone in ${where}`].filter((s): s is string => Boolean(s)),
      ),
    };
  }

  if (!channelAllowed(services, req.channelId)) {
    return {
      allowed: false,
      refusal: `:no_entry: /stemedb works only in ${channelsText(services)}: nothing was done. Your attempt was recorded in the audit log.`,
    };
  }
  if (req.action === 'other') return { allowed: true, via: 'anyone' };
  if (await isOperator()) return { allowed: true, via: 'operator' };
  if (req.action !== 'silence' && (await isPaged())) return { allowed: true, via: 'paged' };
  const allowed = req.action === 'silence' ? [operatorsText] : [operatorsText, pagedText];
  return {
    allowed: false,
    refusal: refusalText(
      req.label,
      allowed.filter((s): s is string => Boolean(s)),
    ),
  };
}
