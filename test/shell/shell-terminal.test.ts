import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCENARIOS } from '../../sim';
import { startPtyShell, type PtySession } from './pty-session';

const COLUMNS = 72;
const PROMPT = /stemedb> $/;

/** Runs one command at the prompt and returns what it printed (terminal escapes removed, prompt excluded). */
async function run(shell: PtySession, line: string, until: RegExp = PROMPT): Promise<string> {
  const mark = shell.send(line);
  await shell.waitFor(new RegExp(`${line.replace(/[.*+?^${}()|[\]\\"]/g, '\\$&')}\\n[\\s\\S]*${until.source}`), mark, 60_000);
  return shell
    .textSince(mark)
    .split('\n')
    .slice(1)
    .join('\n')
    .replace(/stemedb> $/, '');
}

describe('the local shell in a terminal', () => {
  let shell: PtySession;
  let banner: string;
  beforeAll(async () => {
    shell = startPtyShell(['shell', '--sim'], COLUMNS);
    await shell.waitFor(PROMPT, 0, 60_000);
    banner = shell.textSince(0);
  }, 70_000);
  afterAll(async () => {
    expect(await shell?.close()).toBe(0);
  });

  it('offers every simulator scenario', () => {
    for (const scenario of SCENARIOS) expect(banner).toContain(`(${scenario})`);
  });

  it('prints a diagnosis with the status tags in one column, no Slack markup, wrapped to the terminal', async () => {
    const out = await run(shell, 'diagnose stemedb-1');
    const steps = out.split('\n').filter((l) => /^\s+\[(ok|WARN|CRIT|n\/a)\]/.test(l));
    expect(steps).toHaveLength(5);
    // The step number starts in the same column on every line.
    expect(new Set(steps.map((l) => l.search(/\d\. /)))).toEqual(new Set([9]));
    expect(out).toMatch(/^ {2}\[CRIT\] 3\. Disk health/m);
    expect(out).toMatch(/^ {2}\[ok\] {3}4\. LSM tree health/m);
    expect(out).not.toMatch(/`|:[a-z_]+:|<@|(^|\s)\*\S|\S\*(\s|$)/m);
    for (const line of out.split('\n')) expect(line.length, line).toBeLessThanOrEqual(COLUMNS);
  });

  it('prints log excerpts exactly as logged (stemedb_storage::kv: intact), mentions as names, background output above a redrawn prompt', async () => {
    const mark = shell.send('diagnose stemedb-6');
    await shell.waitFor(/Diagnosed in[\s\S]*stemedb> $/, mark, 60_000);
    const diagnosed = shell.textSince(mark);
    // Corruption alone recommends the WAL rebuild and offers Escalate (issue 9): the responder escalates, and the
    // thread's progress arrives in the background while the prompt is showing.
    const paged = shell.send('escalate stemedb-6 corruption after the rebuild');
    await shell.waitFor(/\[C0DEMO thread\][\s\S]*Acknowledge within 5m[\s\S]*stemedb> $/, paged, 60_000);
    const raw = shell.output().slice(paged);
    expect(raw).toMatch(/stemedb> (\x1b\[\d+G)?\r\x1b\[K\[C0DEMO/);
    const out = diagnosed + shell.textSince(paged);
    const logFile = /cat (\S+\/stemedb-6\/storage\.log)/.exec(out)?.[1];
    const logged = readFileSync(logFile!, 'utf8').split('\n');
    const excerpts = out.split('\n').filter((l) => /^\d{4}-\d\d-\d\dT.* ERROR stemedb_storage/.test(l));
    expect(excerpts.length).toBeGreaterThan(0);
    for (const line of excerpts) expect(logged, line).toContain(line);
    expect(excerpts.every((l) => /stemedb_storage::(kv|lsm|wal): /.test(l))).toBe(true);
    expect(out).toContain('[DM to @storage-sre]');
    expect(out).toContain('@storage-sre: (ok) paged');
    expect(out).not.toMatch(/<@|U0DEMOSRE|```/);
    // Each message once.
    expect(out.match(/\[C0DEMO thread\] \(!!\) Paging Primary on-call/g)).toHaveLength(1);
  }, 90_000);

  it('help lists commands without the /stemedb prefix; help <command> shows options and an example', async () => {
    const help = await run(shell, 'help');
    expect(help).toMatch(/^diagnose \[node\] - /m);
    expect(help).toMatch(/^report - /m);
    expect(help).not.toContain('/stemedb');
    const compact = await run(shell, 'help compact');
    expect(compact).toContain('compact <node> [--force] [--dry-run]\n');
    expect(compact).toContain('• --dry-run: check and show what would happen; change nothing');
    expect(compact).toContain('Example: compact stemedb-1');
  });

  it.each([
    ['statz stemedb-1', 'statz is not a command. Did you mean stats <node>?\n'],
    ['frobnicate', 'frobnicate is not a command. help lists the commands.\n'],
    ['stats stemdb-1', 'Unknown node stemdb-1. Did you mean stemedb-1? Configured nodes:'],
    [`stats ${'x'.repeat(520)}`, 'That command is 526 characters long; the limit is 500. help lists the\ncommands.\n'],
  ])('%s gets one line with a suggestion', async (line, expected) => {
    const out = await run(shell, line);
    expect(out.startsWith(expected) || out.includes(`\n${expected}`) || out === expected).toBe(true);
    expect(out).not.toContain('slow-queries <node>');
  });

  it('takes node names in any case and with quotes', async () => {
    expect(await run(shell, 'stats STEMEDB-2')).toMatch(/^Compaction report for stemedb-2\n/);
    expect(await run(shell, 'stats "stemedb-3"')).toMatch(/^Compaction report for stemedb-3\n/);
  });
});
