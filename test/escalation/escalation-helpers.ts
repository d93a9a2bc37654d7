import type { FakeSlack, RecordedCall } from '../harness/fake-slack';
import type { TestBot } from '../harness/start-bot';

/** A three-level chain shaped like the runbook's, with short timeouts for tests. */
export function testChain(options: { hookUrl: string; ackTimeouts?: [string, string, string]; repeatTimes?: number }): Record<string, unknown> {
  const [t1, t2, t3] = options.ackTimeouts ?? ['700ms', '700ms', '700ms'];
  return {
    levels: [
      { name: 'Primary on-call: Storage SRE', ackTimeout: t1, slack: { userGroups: ['SSRE'] }, pagerduty: { routingKeyEnv: 'PD_KEY_PRIMARY' } },
      { name: 'Secondary: Database engineer', ackTimeout: t2, slack: { users: ['UDBE1'] }, webhook: { url: options.hookUrl } },
      { name: 'Final: Principal engineer + on-call manager', ackTimeout: t3, slack: { users: ['UPE1', 'UMGR1'] } },
    ],
    repeat: { every: '0s', times: options.repeatTimes ?? 1 },
    retry: { attempts: 3, initialDelay: '100ms', maxDelay: '300ms' },
    auditInterval: '1s',
  };
}

/** Successful page DMs to a user (the fake opens `D<user>` as the DM channel). */
export function dmsTo(fake: FakeSlack, user: string, incidentId?: string): RecordedCall[] {
  return fake.calls('chat.postMessage').filter((c) => c.ok && c.body.channel === `D${user}` && (!incidentId || markerOf(c)?.startsWith(`page:${incidentId}.`)));
}

/** The idempotency marker (block_id) a page or note carries. */
export function markerOf(call: RecordedCall): string | undefined {
  const blocks = (call.body.blocks as { block_id?: string }[] | undefined) ?? [];
  return blocks.map((b) => b.block_id).find((id) => id?.startsWith('page:') && !id.endsWith(':text'));
}

/** Posts in the incident's thread (header excluded), oldest first. */
export async function threadPosts(bot: TestBot, incidentId: string): Promise<RecordedCall[]> {
  const incident = await bot.runtime.services.store.incidents.get(incidentId);
  if (!incident?.threadTs) return [];
  return bot.fake.calls('chat.postMessage').filter((c) => c.ok && c.body.thread_ts === incident.threadTs);
}

export function textOf(call: RecordedCall): string {
  return String(call.body.text ?? '');
}

/** The incident an escalation of `node` opened or joined; the command's work runs after its ack, so wait for it. */
export async function incidentOf(bot: TestBot, node: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const incident = await bot.runtime.services.store.incidents.openForNode(node);
    if (incident) return incident.id;
    if (Date.now() > deadline) throw new Error(`no open incident for ${node}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
