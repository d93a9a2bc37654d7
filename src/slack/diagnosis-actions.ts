import { z } from 'zod';
import { runDiagnosisInto } from '../../commands/diagnose';
import { auditUnknownTarget } from '../access/action-rules';
import type { Services } from '../app/services';
import type { NodeConfig } from '../config/schema';
import { dispatchCommand } from '../dispatch/dispatch-command';
import type { Incident } from '../incidents/incident-store';
import { DIAGNOSIS_ACTIONS } from '../render/diagnosis-blocks';
import type { ClickedButton } from './interaction-context';
import type { InteractionModule } from './interaction-module';
import { ruledButton, type RuledButtonSpec } from './ruled-button';

export const buttonValueSchema = z.object({
  node: z.string().max(64),
  incidentId: z
    .string()
    .regex(/^[a-z0-9-]{1,64}$/)
    .optional(),
});

/** Parses a diagnosis/alert button's value (zod); what it names is looked up with `buttonTarget`. */
export function parseButtonValue(value: string): z.infer<typeof buttonValueSchema> | undefined {
  try {
    const parsed = buttonValueSchema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export type ButtonTarget = { node: NodeConfig; incident?: Incident } | { problem: string };

/**
 * What a diagnosis/alert button names, looked up on the bot's side: the incident (its node comes from the
 * store, never from the click), or an inventory node when there is no incident. A value naming both is read
 * for the incident only, so a click cannot pair an incident with another node.
 */
export async function buttonTarget(services: Pick<Services, 'store' | 'inventory' | 'now'>, button: ClickedButton, action: string): Promise<ButtonTarget> {
  const target = await lookUp(services, button.value);
  if ('problem' in target)
    await auditUnknownTarget(services, { userId: button.userId, action, channelId: button.channelId, value: button.value, reason: target.problem });
  return target;
}

async function lookUp(services: Pick<Services, 'store' | 'inventory'>, raw: string): Promise<ButtonTarget> {
  const value = parseButtonValue(raw);
  if (!value) return { problem: 'That button could not be read: nothing was done.' };
  if (value.incidentId) {
    const incident = await services.store.incidents.get(value.incidentId);
    const node = incident?.node ? services.inventory.get(incident.node) : undefined;
    if (!incident) return { problem: 'That button refers to an incident the bot does not know: nothing was done.' };
    if (!node) return { problem: `${incident.id} is not about a configured node: nothing was done.` };
    return { node, incident };
  }
  const node = services.inventory.get(value.node);
  return node ? { node } : { problem: 'That button refers to a node that is no longer configured.' };
}

/**
 * The lookup and rule of a diagnosis/alert button that acts on the node it names (Run again, Slow queries,
 * Escalate): the target from `buttonTarget`, the `other` rule audited as `auditAction`.
 */
export function nodeButton(
  services: Pick<Services, 'store' | 'inventory' | 'now'>,
  actionId: string,
  auditAction: string,
  label: (node: string) => string,
): Pick<RuledButtonSpec<Exclude<ButtonTarget, { problem: string }>>, 'actionId' | 'target' | 'rule'> {
  return {
    actionId,
    target: (button) => buttonTarget(services, button, auditAction),
    rule: (target) => ({ action: 'other', auditAction, label: label(target.node.name), incident: target.incident, node: target.node.name }),
  };
}

/** "Run again" and "Slow queries" on a diagnosis or alert message (channel rule of access/action-rules.ts). */
export const diagnosisActions: InteractionModule = (app, deps) => {
  const { services } = deps;
  ruledButton(app, deps, {
    ...nodeButton(services, DIAGNOSIS_ACTIONS.rerun, 'diagnose', (node) => `diagnose ${node}`),
    run: (ctx, target) => runDiagnosisInto(ctx, target.node.name),
  });
  ruledButton(app, deps, {
    ...nodeButton(services, DIAGNOSIS_ACTIONS.slowQueries, 'slow-queries', (node) => `read the slow queries of ${node}`),
    // The dispatcher validates the node name like a typed command.
    run: async (ctx, target) => void (await dispatchCommand(`slow-queries ${target.node.name}`, ctx)),
  });
};
