import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLocalExecutor } from '../../src/exec/local-executor';
import type { HostCommand } from '../../src/exec/host-executor';
import { shellQuote } from '../../src/exec/shell-quote';

const dir = mkdtempSync(join(tmpdir(), 'stemedb-local-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const command = (script: string, overrides: Partial<HostCommand> = {}): HostCommand => ({
  id: 'test',
  script,
  timeoutMs: 5_000,
  maxOutputBytes: 100_000,
  ...overrides,
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('local executor', () => {
  it('runs a script and reports stdout, stderr and the exit code', async () => {
    const session = await createLocalExecutor().connect();
    const result = await session.run(command('echo out; echo err >&2; exit 3', { id: 'mixed' }));
    expect(result).toMatchObject({ id: 'mixed', code: 3, stdout: 'out\n', stderr: 'err\n', truncated: false, timedOut: false });
    expect((await session.run(command('true'))).code).toBe(0);
    await session.close();
  });

  it('kills the whole process group at the timeout', async () => {
    const session = await createLocalExecutor().connect();
    const marker = join(dir, 'late');
    const background = join(dir, 'late-bg');
    const script = `(sleep 3; touch ${shellQuote(background)}) & sleep 3; touch ${shellQuote(marker)}`;
    const result = await session.run(command(script, { timeoutMs: 500 }));
    expect(result).toMatchObject({ timedOut: true, code: null });
    await sleep(3_500);
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(background)).toBe(false);
  });

  it('lets a script that finishes in time do its work', async () => {
    const session = await createLocalExecutor().connect();
    const marker = join(dir, 'in-time');
    const result = await session.run(command(`sleep 0.2; touch ${shellQuote(marker)}`, { timeoutMs: 5_000 }));
    expect(result).toMatchObject({ timedOut: false, code: 0 });
    expect(existsSync(marker)).toBe(true);
  });

  it('caps output and says so', async () => {
    const session = await createLocalExecutor().connect();
    const result = await session.run(command(`head -c 1000000 /dev/zero | tr '\\0' a`, { maxOutputBytes: 10_000 }));
    expect(result.truncated).toBe(true);
    expect(result.stdout).toBe('a'.repeat(10_000));
    const small = await session.run(command('printf abc', { maxOutputBytes: 3 }));
    expect(small).toMatchObject({ stdout: 'abc', truncated: false, code: 0 });
  });

  it('caps stderr too', async () => {
    const session = await createLocalExecutor().connect();
    const result = await session.run(command(`head -c 50000 /dev/zero | tr '\\0' e >&2`, { maxOutputBytes: 1_000 }));
    expect(result).toMatchObject({ truncated: true, stderr: 'e'.repeat(1_000) });
  });
});
