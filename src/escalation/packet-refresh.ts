import type { Services } from '../app/services';
import { diagnoseNode, type DiagnoseDeps } from '../diagnosis/diagnose-node';
import { slackUpdate } from '../pagers/slack-pager';
import type { EscalationEngine, EscalationRepositories } from './escalation-engine';
import { pageView } from './escalation-views';
import { threadLink } from './send-outbox-row';
import { markerOf, type OutboxRow } from './outbox-rows';

export interface RefreshDeps {
  services: DiagnoseDeps & Pick<Services, 'inventory' | 'messenger'>;
  engine: EscalationEngine;
  store: Pick<EscalationRepositories, 'escalations' | 'outbox' | 'incidents' | 'diagnoses'>;
  /** Waits (on the services clock's real timers) between looks at pages still being sent. */
  sleep?: (ms: number) => Promise<void>;
}

const WAIT_FOR_SENDS_MS = 30_000;
const LOOK_EVERY_MS = 250;

const stalePage = (r: OutboxRow) => (r.payload.kind === 'slack_dm' || r.payload.kind === 'slack_thread') && r.payload.page.packet.diagnosis?.stale === true;

/**
 * A page went out with a diagnosis older than `escalation.packetMaxAge`, marked "refreshing": diagnose the
 * node now (within the diagnosis deadline), then put the fresh packet into the page DMs already sent
 * (chat.update) and into those not sent yet. PagerDuty and webhooks keep what they got.
 */
export async function refreshStalePackets(deps: RefreshDeps, escalationId: string): Promise<number> {
  const { services } = deps;
  const { escalations, outbox, incidents, diagnoses } = deps.store;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const record = await escalations.get(escalationId);
  const incident = record ? await incidents.get(record.incidentId) : undefined;
  const node = incident?.node ? services.inventory.get(incident.node) : undefined;
  if (!record || !incident || !node) return 0;
  const result = await diagnoseNode(services, node);
  await diagnoses.record(node.name, services.now(), result);
  for (const open of await incidents.openOfNode(node.name)) await diagnoses.record(node.name, services.now(), result, open.id);
  const packet = await deps.engine.packetFor((await escalations.get(escalationId)) ?? record, services.now().getTime());
  // Pages still being sent are waited for, so each stale one is replaced exactly once.
  const started = Date.now();
  const sending = async () => (await outbox.ofEscalation(escalationId)).some((r) => stalePage(r) && r.status === 'sending');
  while ((await sending()) && Date.now() - started < WAIT_FOR_SENDS_MS) await sleep(LOOK_EVERY_MS);
  let updated = 0;
  for (const row of (await outbox.ofEscalation(escalationId)).filter(stalePage)) {
    if (row.payload.kind !== 'slack_dm' && row.payload.kind !== 'slack_thread') continue;
    const payload = { ...row.payload, page: { ...row.payload.page, packet } };
    await outbox.setPayload(row.id, payload);
    const channel = row.result?.channel;
    const ts = row.result?.ts;
    if (row.status !== 'sent' || payload.kind !== 'slack_dm' || typeof channel !== 'string' || typeof ts !== 'string') continue;
    const thread = incident.channel && incident.threadTs ? { channel: incident.channel, ts: incident.threadTs } : undefined;
    const view = pageView(payload.page, { marker: markerOf(row.key), threadLink: threadLink(thread), viaGroup: payload.viaGroup });
    const sent = await slackUpdate(services.messenger, channel, ts, view);
    if (sent.ok) updated++;
    else services.log.warn({ key: row.key, error: sent.error }, 'could not update a page with the refreshed diagnosis');
  }
  await incidents.addEvent(incident.id, 'packet_refreshed', services.now(), 'bot', { escalationId, diagnosisAt: result.startedAt, updated });
  return updated;
}
