import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ALERT_ACTIONS } from '../../src/alerts/alert-views';
import { FAKE_TEAM, type FakeMessage } from '../harness/fake-slack';
import { startBot, type TestBot } from '../harness/start-bot';
import { WEBHOOK_TOKEN } from '../alerts/alert-payloads';
import { stepFor } from '../../src/charts/chart-data';
import { CHART_WIDTH, chartHeight } from '../../src/charts/echarts-option';
import { queryRange } from '../../src/prometheus/query-range';
import { decodePng } from '../charts/png';
import { freePort } from '../harness/free-port';

const PROMETHEUS = '/usr/bin/prometheus';
const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';
const CHANNEL = 'C0ALERTS';
const OPERATOR = 'U0OPERATOR';
const installed = existsSync(PROMETHEUS) && existsSync(ALERTMANAGER);
const RULES_FILE = join(import.meta.dirname, '../../deploy/prometheus/stemedb-alerts.yml');

interface Daemon {
  name: string;
  child: ChildProcess;
  output: string[];
}

function launch(name: string, bin: string, args: string[]): Daemon {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString('utf8'));
    if (output.length > 200) output.shift();
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return { name, child, output };
}

async function waitReady(daemon: Daemon, url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (daemon.child.exitCode !== null) throw new Error(`${daemon.name} exited (${daemon.child.exitCode}): ${daemon.output.join('').slice(-2000)}`);
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${daemon.name} not ready after ${timeoutMs} ms: ${daemon.output.join('').slice(-2000)}`);
}

async function terminate(daemon: Daemon | undefined): Promise<void> {
  if (!daemon || daemon.child.exitCode !== null) return;
  const exited = new Promise<void>((r) => daemon.child.once('exit', () => r()));
  daemon.child.kill('SIGTERM');
  const timer = setTimeout(() => daemon.child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** The deploy/ rule file's HighStorageErrorRate, with windows short enough for a test (5m -> 5s, for 5m -> 2s). */
function testRules(): string {
  const doc = parse(readFileSync(RULES_FILE, 'utf8')) as { groups: { name: string; rules: { alert: string; expr: string; for?: string }[] }[] };
  const rule = doc.groups.flatMap((g) => g.rules).find((r) => r.alert === 'HighStorageErrorRate');
  if (!rule) throw new Error('deploy/prometheus/stemedb-alerts.yml has no HighStorageErrorRate rule');
  expect(rule.expr).toContain('[5m]');
  expect(rule.for).toBe('5m');
  return stringify({ groups: [{ name: 'stemedb-storage-test', rules: [{ ...rule, expr: rule.expr.replaceAll('[5m]', '[5s]'), for: '2s' }] }] });
}

if (!installed && process.env.CI) {
  describe('end to end with Prometheus and Alertmanager', () => {
    it('needs the binaries in CI', () => {
      throw new Error(`CI must install ${PROMETHEUS} and ${ALERTMANAGER} (apt-get install prometheus prometheus-alertmanager)`);
    });
  });
}

describe.skipIf(!installed)('end to end: Prometheus scrapes the simulator, Alertmanager posts to the bot', () => {
  let dir: string;
  let bot: TestBot;
  let prometheus: Daemon | undefined;
  let alertmanager: Daemon | undefined;
  let amUrl: string;
  let promUrl: string;
  let header: FakeMessage;
  const headers = () => bot.fake.messages(CHANNEL).filter((m) => !m.thread_ts || m.thread_ts === m.ts);
  const replies = () => bot.fake.thread(CHANNEL, header.ts).slice(1);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stemedb-e2e-'));
    const [amPort, promPort] = [await freePort(), await freePort()];
    amUrl = `http://127.0.0.1:${amPort}`;
    promUrl = `http://127.0.0.1:${promPort}`;
    bot = await startBot({
      nodes: [{ name: 'stemedb-1', scenarios: ['disk_full'] }],
      config: { alertmanager: { url: amUrl }, prometheus: { url: promUrl }, access: { operators: { users: [OPERATOR] } } },
      routes: (runtime) => [runtime.alerts.route(WEBHOOK_TOKEN)],
      charts: {},
    });
    const target = new URL(bot.sim.node('stemedb-1').apiUrl).host;

    writeFileSync(join(dir, 'rules.yml'), testRules());
    writeFileSync(
      join(dir, 'alertmanager.yml'),
      stringify({
        route: { receiver: 'stemedb-chatops', group_by: ['alertname', 'instance'], group_wait: '1s', group_interval: '2s', repeat_interval: '1h' },
        receivers: [
          {
            name: 'stemedb-chatops',
            webhook_configs: [
              {
                url: `${bot.baseUrl}/alertmanager`,
                send_resolved: true,
                max_alerts: 100,
                http_config: { authorization: { type: 'Bearer', credentials: WEBHOOK_TOKEN } },
              },
            ],
          },
        ],
      }),
    );
    writeFileSync(
      join(dir, 'prometheus.yml'),
      stringify({
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        rule_files: [join(dir, 'rules.yml')],
        alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }] },
        scrape_configs: [{ job_name: 'stemedb', static_configs: [{ targets: [target] }] }],
      }),
    );
    alertmanager = launch('alertmanager', ALERTMANAGER, [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'am-data')}`,
      `--web.listen-address=127.0.0.1:${amPort}`,
      '--cluster.listen-address=',
    ]);
    await waitReady(alertmanager, `${amUrl}/-/ready`);
    prometheus = launch('prometheus', PROMETHEUS, [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'prom-data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ]);
    await waitReady(prometheus, `http://127.0.0.1:${promPort}/-/ready`);
  }, 60_000);

  afterAll(async () => {
    await terminate(prometheus);
    await terminate(alertmanager);
    await bot?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const daemonLogs = () => [prometheus, alertmanager].map((d) => `--- ${d?.name}\n${d?.output.join('').slice(-1500)}`).join('\n');

  it('posts the header and, in its thread, a diagnosis whose verdict is disk_full', async () => {
    header = await bot.fake
      .waitFor(() => headers().find((m) => String(m.text).includes('HighStorageErrorRate on stemedb-1')), 30_000)
      .catch((err: Error) => {
        throw new Error(`${err.message}\n${daemonLogs()}`);
      });
    expect(header.text).toContain('(critical)');
    expect(JSON.stringify(header.blocks)).toContain('/graph?g0.expr=');
    await bot.fake.waitFor(() => replies().find((m) => String(m.text).includes('disk space exhausted')), 20_000);
    const incident = (await bot.runtime.services.store.incidents.listOpen()).find((i) => i.alertname === 'HighStorageErrorRate')!;
    expect(incident.labels.instance).toBe(new URL(bot.sim.node('stemedb-1').apiUrl).host);
    expect((incident.lastDiagnosis as { verdict: { causes: { cause: string }[] } }).verdict.causes[0]!.cause).toBe('disk_full');
  }, 60_000);

  it('draws the diagnosis chart from the real Prometheus: the same series query_range returns', async () => {
    const instance = new URL(bot.sim.node('stemedb-1').apiUrl).host;
    const overall = `sum(rate(stemedb_storage_operation_errors_total{instance="${instance}"}[5m])) / sum(rate(stemedb_storage_operations_total{instance="${instance}"}[5m]))`;
    // Prometheus needs a few evaluation steps (15 s apart over an hour's window) before there is a line to draw.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const now = Date.now();
      const got = await queryRange(promUrl, overall, { fromMs: now - 3_600_000, toMs: now, stepSeconds: stepFor(now - 3_600_000, now) }, { timeoutMs: 5_000 });
      if ((got[0]?.points.length ?? 0) >= 3) break;
      if (Date.now() > deadline) throw new Error(`Prometheus has too few points for a chart\n${daemonLogs()}`);
      await new Promise((r) => setTimeout(r, 1_000));
    }
    const outcome = await bot.runtime.services.charts!.diagnosisOutcome('stemedb-1', 'disk_full');
    if ('none' in outcome) throw new Error(outcome.none);
    expect(outcome.spec.subtitle).toMatch(/from Prometheus$/);
    const direct = await queryRange(
      promUrl,
      overall,
      { fromMs: outcome.spec.fromMs, toMs: outcome.spec.toMs, stepSeconds: stepFor(outcome.spec.fromMs, outcome.spec.toMs) },
      { timeoutMs: 5_000 },
    );
    expect(outcome.spec.panels[0]!.lines[0]!.points).toEqual(direct[0]!.points);
    expect(outcome.spec.panels[0]!.lines.map((l) => l.name)).toEqual(expect.arrayContaining(['all operations', 'put', 'get', 'delete']));
    // And through Slack: /stemedb diagnose (in another channel, to leave the alert channel as it is) threads it.
    const before = bot.fake.uploads().length;
    await bot.command('diagnose stemedb-1', { channel_id: 'C0RESPONDERS' });
    const upload = await bot.fake.waitFor(
      () =>
        bot.fake
          .uploads()
          .slice(before)
          .find((u) => u.completed),
      30_000,
    );
    expect(upload.completed!.initialComment).toMatch(/^Error rate of stemedb-1, .* \(Prometheus\): /);
    const img = decodePng(upload.bytes!);
    expect([img.width, img.height]).toEqual([CHART_WIDTH, chartHeight(outcome.spec.panels.length)]);
  }, 90_000);

  it('marks the thread resolved once the node heals', async () => {
    bot.sim.node('stemedb-1').setScenarios(['healthy']);
    await bot.fake
      .waitFor(() => replies().find((m) => String(m.text).startsWith('Resolved: Alertmanager reports HighStorageErrorRate on stemedb-1 cleared')), 40_000)
      .catch((err: Error) => {
        throw new Error(`${err.message}\n${daemonLogs()}`);
      });
    expect(String(bot.fake.messages(CHANNEL).find((m) => m.ts === header.ts)!.text)).toMatch(/^RESOLVED: HighStorageErrorRate on stemedb-1 after/);
    expect(headers()).toHaveLength(1);
  }, 60_000);

  it("creates a silence the real Alertmanager accepts from the header's button", async () => {
    const { incidents } = bot.runtime.services.store;
    const incident = (await incidents.get((await incidents.history('stemedb-1', 'HighStorageErrorRate', new Date(0)))[0]!.id))!;
    await bot.click(ALERT_ACTIONS.silence, JSON.stringify({ incidentId: incident.id }), {
      user: { id: OPERATOR, username: 'operator', name: 'operator', team_id: FAKE_TEAM.teamId },
      message: { type: 'message', user: FAKE_TEAM.botUserId, bot_id: FAKE_TEAM.botId, ts: header.ts, text: '', blocks: [] },
    });
    const note = await bot.fake.waitFor(() => replies().find((m) => String(m.text).includes('silenced')), 10_000);
    const id = /silence `([^`]+)`/.exec(String(note.text))?.[1];
    const silences = (await fetch(`${amUrl}/api/v2/silences`).then((r) => r.json())) as {
      id: string;
      status: { state: string };
      matchers: { name: string; value: string }[];
    }[];
    const silence = silences.find((s) => s.id === id)!;
    expect(silence.status.state).toBe('active');
    expect(silence.matchers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'alertname', value: 'HighStorageErrorRate' }),
        expect.objectContaining({ name: 'instance', value: incident.labels.instance }),
      ]),
    );
  });
});
