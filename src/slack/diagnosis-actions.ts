import { z } from 'zod';
import { runDiagnosisInto } from '../../commands/diagnose';
import { dispatchCommand } from '../dispatch/dispatch-command';
import { DIAGNOSIS_ACTIONS } from '../render/diagnosis-blocks';
import { clickedButton, interactionContext } from './interaction-context';
import type { InteractionModule } from './interaction-modules';

export const buttonValueSchema = z.object({ node: z.string(), incidentId: z.string().optional() });

/** Parses a diagnosis/alert button's value; the node must still be in the inventory. */
export function parseButtonValue(value: string): z.infer<typeof buttonValueSchema> | undefined {
  try {
    const parsed = buttonValueSchema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** "Run again" and "Slow queries" on a diagnosis or alert message. */
export const diagnosisActions: InteractionModule = (app, { services, queue }) => {
  app.action(DIAGNOSIS_ACTIONS.rerun, async ({ ack, body, respond }) => {
    await ack();
    const button = clickedButton(body);
    const value = parseButtonValue(button.value);
    const ctx = interactionContext(button, respond, services, queue);
    if (!value || !services.inventory.get(value.node)) return void (await ctx.reply.private({ text: 'That button refers to a node that is no longer configured.' }));
    await runDiagnosisInto(ctx, value.node);
  });
  app.action(DIAGNOSIS_ACTIONS.slowQueries, async ({ ack, body, respond }) => {
    await ack();
    const button = clickedButton(body);
    const value = parseButtonValue(button.value);
    const ctx = interactionContext(button, respond, services, queue);
    if (!value) return void (await ctx.reply.private({ text: 'That button refers to a node that is no longer configured.' }));
    await dispatchCommand(`slow-queries ${value.node}`, ctx);
  });
};
