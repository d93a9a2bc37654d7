import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from '../../src/app/runtime';
import { parseConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/ops/logger';
import type { ChatPort } from '../../src/surfaces/chat-port';

/**
 * Escalation called inside someone's unit of work (issue 12, step 3): the scheduler's pass never joins that
 * transaction, so nothing is sent for writes that are not committed yet, and nothing is sent at all for
 * writes that are rolled back.
 */
describe('escalating inside a caller transaction', () => {
  let runtime: Runtime;
  let dir: string;
  const dms: string[] = [];
  const messenger: ChatPort = {
    post: async (channel) => ({ channel, ts: '1.1' }),
    update: async () => undefined,
    dm: async (user) => (dms.push(user), { channel: `D${user}`, ts: '1.2' }),
    userGroupMembers: async () => [],
    uploadFile: async () => undefined,
  };

  beforeEach(async () => {
    dms.length = 0;
    dir = mkdtempSync(join(tmpdir(), 'stemedb-esc-tx-'));
    const config = parseConfig(
      {
        stemedb: { nodes: [{ name: 'stemedb-1', apiUrl: 'http://127.0.0.1:9', local: true }] },
        store: { sqlitePath: join(dir, 'bot.sqlite') },
        escalation: { levels: [{ name: 'Primary on-call: Storage SRE', ackTimeout: '10m', slack: { users: ['USRE1'] } }], repeat: { times: 0 } },
      },
      'test',
    );
    runtime = await createRuntime({ config, log: createLogger('silent'), secret: () => undefined, messenger, charts: { enabled: false } });
    await runtime.start();
  });
  afterEach(async () => {
    await runtime.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const escalate = () => runtime.services.escalations.escalate({ node: 'stemedb-1', by: 'U1', trigger: 'command', reasons: [] });
  const settle = async () => {
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  };

  it('a rolled-back escalation pages nobody and leaves no chain', async () => {
    const store = runtime.services.store;
    await expect(
      store.withTx(async () => {
        expect((await escalate()).kind).toBe('started');
        await settle();
        throw new Error('the caller changes its mind');
      }),
    ).rejects.toThrow('the caller changes its mind');
    await settle();
    expect(dms).toEqual([]);
    expect(await store.incidents.openForNode('stemedb-1')).toBeUndefined();
    expect(await store.escalations.listActive()).toEqual([]);
  });

  it('a committed escalation pages once the transaction has ended, not inside it', async () => {
    const store = runtime.services.store;
    const id = await store.withTx(async () => {
      const outcome = await escalate();
      await settle();
      // Still inside: the page row is not even claimed, let alone sent.
      expect(dms).toEqual([]);
      return outcome.kind === 'started' ? outcome.escalation.id : undefined;
    });
    for (let i = 0; i < 100 && dms.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(dms).toEqual(['USRE1']);
    expect((await store.outbox.ofEscalation(id!)).filter((r) => r.kind === 'slack_dm').map((r) => r.status)).toEqual(['sent']);
  });
});
