import { guardTick } from '../ops/clock';
import { z } from 'zod';
import type { Services } from '../app/services';
import type { DiagnosisResult } from '../diagnosis/types';
import { dispatchCommand } from '../dispatch/dispatch-command';
import { clickedButton } from '../slack/interaction-context';
import type { InteractionModule } from '../slack/interaction-module';
import { postedMessage, type ChatPort, type PostedMessage, type Reply } from '../surfaces/chat-port';
import type { View } from '../surfaces/view';
import { HOME_ACTIONS, homeBlocks, homeStateKey, type HomeState, type NodeVerdict } from './home-view';

/** How often the tab's content is compared with what was last published (a republish only on change). */
const REFRESH_MS = 30_000;
/** Users whose tab is kept up to date (those who opened it since start-up), at most this many. */
const MAX_VIEWERS = 500;
const homeValue = z.object({ node: z.string().optional(), incidentId: z.string().optional() });

/**
 * The App Home tab: published when a user opens it, republished for every viewer when its content changes
 * (a diagnosis finished, an incident opened, was acknowledged or resolved). Every views.publish goes through the
 * paced Slack queue, coalesced per user. Its buttons run the same commands as typing them (same RBAC); the
 * answers go to the clicker's DM, since a Home tab has no channel to answer in.
 */
export const appHome: InteractionModule = (app, { services, queue, chat }) => {
  const viewers = new Set<string>();
  const verdicts = new Map<string, NodeVerdict>();
  let lastKey = '';

  // A node not diagnosed since start-up shows its latest stored run (a restart, or another replica's diagnosis).
  const fillFromStore = async () => {
    for (const node of services.inventory.names()) {
      if (verdicts.has(node)) continue;
      const latest = await services.store.diagnoses.latest(node);
      if (latest && !verdicts.has(node)) verdicts.set(node, verdictOf(latest.result, Date.parse(latest.at)));
    }
  };
  const baseState = async (): Promise<Omit<HomeState, 'chain'>> => (
    await fillFromStore(),
    {
      incidents: await Promise.all(
        (await services.store.incidents.listOpen()).map(async (incident) => ({ incident, escalation: await services.escalations.summary(incident.id) })),
      ),
      nodes: services.inventory.names(),
      verdicts,
      timeline: services.commands.some((c) => c.name === 'timeline'),
    }
  );
  const publish = async (users: Iterable<string>, base: Omit<HomeState, 'chain'>) => {
    const chain = await services.escalations.checkChain().catch(() => undefined);
    const blocks = homeBlocks({ ...base, chain }, services.now().getTime());
    for (const user of users) {
      await queue.send({
        method: 'views.publish',
        args: { user_id: user, view: { type: 'home', blocks } },
        priority: 'status',
        channel: `home:${user}`,
        coalesceKey: `home:${user}`,
      });
    }
  };
  const refresh = async () => {
    if (viewers.size === 0) return;
    const base = await baseState();
    const key = homeStateKey({ ...base, chain: undefined });
    if (key === lastKey) return;
    lastKey = key;
    await publish([...viewers], base);
  };
  const refreshQuietly = () => void refresh().catch((err: unknown) => services.log.warn({ err }, 'App Home refresh failed'));

  app.event('app_home_opened', async ({ event }) => {
    if (event.tab !== 'home') return;
    if (viewers.size < MAX_VIEWERS) viewers.add(event.user);
    const base = await baseState();
    await publish([event.user], base);
  });

  // Every diagnosis (command, button, alert) updates the node's verdict on the tab.
  services.diagnoses.subscribe((result) => {
    verdicts.set(result.node, verdictOf(result, services.now().getTime()));
    refreshQuietly();
  });
  setInterval(guardTick(services.log, 'App Home refresh', refreshQuietly), REFRESH_MS).unref();

  app.action(new RegExp(`^(${Object.values(HOME_ACTIONS).join('|')})(:|$)`), async ({ ack, body, action }) => {
    await ack();
    const button = clickedButton(body);
    const actionId = (action as { action_id?: string }).action_id ?? '';
    let value: z.infer<typeof homeValue> | undefined;
    try {
      value = homeValue.parse(JSON.parse(button.value));
    } catch {
      value = undefined;
    }
    const text = value && commandFor(actionId, value, services);
    const reply = dmReply(button.userId, chat);
    if (!text) return void (await reply.private({ text: 'That button refers to a node or incident that is no longer there.' }));
    await dispatchCommand(text, { surface: 'slack', invoker: { userId: button.userId, userName: button.userName }, services, reply });
    refreshQuietly();
  });
};

/** The typed command a Home button stands for; the node must still be in the inventory. */
function commandFor(actionId: string, value: z.infer<typeof homeValue>, services: Pick<Services, 'inventory'>): string | undefined {
  const node = value.node && services.inventory.get(value.node) ? value.node : undefined;
  if (actionId.startsWith(HOME_ACTIONS.diagnose)) return node && `diagnose ${node}`;
  if (actionId === HOME_ACTIONS.escalate) return node && `escalate ${node} from the App Home`;
  if (actionId === HOME_ACTIONS.timeline) return value.incidentId && /^[A-Za-z0-9-]{1,40}$/.test(value.incidentId) ? `timeline ${value.incidentId}` : undefined;
  return undefined;
}

/** Answers to a Home click: posted into the clicker's DM with the bot, updated in place there. */
function dmReply(userId: string, chat: ChatPort): Reply {
  const post = async (view: View): Promise<PostedMessage> => {
    return postedMessage(chat, await chat.dm(userId, view, { priority: 'status' }));
  };
  return { private: async (view) => void (await post(view)), public: post };
}

/** A diagnosis as the tab shows it: severity, summary and when it started. */
function verdictOf(result: DiagnosisResult, fallbackAt: number): NodeVerdict {
  return { severity: result.verdict.severity, summary: result.verdict.summary, at: Date.parse(result.startedAt) || fallbackAt };
}
