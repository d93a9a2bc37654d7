import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBot, SIGNING_SECRET, type TestBot } from '../harness/start-bot';
import { sendSlashCommand, slashCommandBody } from '../harness/slack-requests';

describe('/stemedb through the real Bolt receiver', () => {
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startBot({
      nodes: [
        { name: 'stemedb-1', scenarios: ['compaction_lag'] },
        { name: 'stemedb-2', scenarios: ['lock_contention'] },
      ],
    });
  });
  afterAll(async () => bot?.stop());

  it('answers a signed `stats` with the simulator figures', async () => {
    const res = await bot.command('stats stemedb-1');
    expect(res.status).toBe(200);
    const post = await bot.fake.waitForCall('chat.postMessage');
    const stats = (await fetch(`${bot.sim.node('stemedb-1').apiUrl}/v1/admin/storage/stats`).then((r) => r.json())) as { sst_file_count: number };
    expect(post.body.channel).toBe('C0ALERTS');
    expect(String(post.body.text)).toContain(`SST files: *${stats.sst_file_count}*`);
    expect(stats.sst_file_count).toBeGreaterThan(500);
    expect(String(post.body.text)).toContain('compaction is failing');
  });

  it('refuses a forged signature with 401 and runs nothing', async () => {
    bot.fake.reset();
    const res = await sendSlashCommand(bot.eventsUrl, SIGNING_SECRET, slashCommandBody({ text: 'stats stemedb-1', response_url: bot.fake.responseUrl() }), {
      forgeSignature: true,
    });
    expect(res.status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect(bot.fake.calls('chat.postMessage')).toHaveLength(0);
    expect(bot.fake.responses()).toHaveLength(0);
  });

  it('refuses an expired timestamp with 401', async () => {
    const res = await sendSlashCommand(bot.eventsUrl, SIGNING_SECRET, slashCommandBody({ text: 'help' }), {
      timestampSec: Math.floor(Date.now() / 1000) - 6 * 60,
    });
    expect(res.status).toBe(401);
  });

  it('answers a typo with an ephemeral "did you mean"', async () => {
    await bot.command('stast stemedb-1', {}, 'typo');
    const [reply] = await bot.fake.waitFor(() => (bot.fake.responses('typo').length > 0 ? bot.fake.responses('typo') : undefined));
    expect(reply!.body.response_type).toBe('ephemeral');
    expect(String(reply!.body.text)).toContain('Did you mean `/stemedb stats <node>`');
  });

  it.each([
    ['stats stemedb-9', 'Unknown node `stemedb-9`. Configured nodes: `stemedb-1`, `stemedb-2`'],
    ['stats ../etc/passwd', 'a node name such as stemedb-1'],
    ['stats $(touch /tmp/pwned)', 'too many arguments'],
    ['stats stemedb-1; rm -rf /', 'too many arguments'],
    ['stats', 'missing argument'],
    ['stats stemedb-1 --force=maybe', 'unknown option'],
    [`stats ${'x'.repeat(600)}`, 'the limit is 500'],
  ])('rejects %s with a clear ephemeral message', async (text, expected) => {
    const id = `bad-${Math.random().toString(36).slice(2)}`;
    await bot.command(text, {}, id);
    const [reply] = await bot.fake.waitFor(() => (bot.fake.responses(id).length > 0 ? bot.fake.responses(id) : undefined));
    expect(reply!.body.response_type).toBe('ephemeral');
    expect(String(reply!.body.text)).toContain(expected);
  });

  it('shows slow queries of a lock_contention node', async () => {
    bot.fake.reset();
    await bot.command('slow-queries stemedb-2');
    const post = await bot.fake.waitForCall('chat.postMessage');
    expect(String(post.body.text)).toMatch(/Slow queries on stemedb-2\* \(\d+\)/);
  });

  it('help lists every registered command', async () => {
    await bot.command('help', {}, 'help');
    const [reply] = await bot.fake.waitFor(() => (bot.fake.responses('help').length > 0 ? bot.fake.responses('help') : undefined));
    for (const c of bot.runtime.services.commands) expect(String(reply!.body.text)).toContain(`/stemedb ${c.usage}`);
  });

  it('serves /healthz and /metrics with command counts', async () => {
    expect((await fetch(`${bot.baseUrl}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`${bot.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/stemedb_chatops_commands_total\{command="stats",outcome="ok"\} [1-9]/);
  });
});
