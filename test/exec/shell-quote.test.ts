import { existsSync, mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runLocalCommand } from '../../src/exec/local-executor';
import { shellQuote, wrapWithTimeout } from '../../src/exec/shell-quote';
import { hostileValues } from './hostile-values';

const dir = mkdtempSync(join(tmpdir(), 'stemedb-quote-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('shellQuote', () => {
  it('wraps in single quotes and escapes single quotes POSIX-style', () => {
    expect(shellQuote('abc')).toBe(`'abc'`);
    expect(shellQuote(`a'b`)).toBe(`'a'\\''b'`);
    expect(shellQuote('')).toBe(`''`);
    expect(shellQuote('$(x) `y` ; \n')).toBe(`'$(x) \`y\` ; \n'`);
  });

  it('rejects NUL bytes', () => {
    expect(() => shellQuote('a\0b')).toThrow(/NUL/);
  });

  it('passes every hostile value to the command as one literal argument', async () => {
    const marker = join(dir, 'pwned');
    for (const value of hostileValues(marker)) {
      const result = await runLocalCommand({ id: 'printf', script: `printf '%s' ${shellQuote(value)}`, timeoutMs: 5_000, maxOutputBytes: 10_000 });
      expect(result.stdout).toBe(value);
      expect(result.code).toBe(0);
    }
    expect(existsSync(marker)).toBe(false);
  });

  it('lets ls find a directory with a hostile name without running what it says', async () => {
    // A relative marker: names cannot hold '/', and an injected `touch` would run in `dir`.
    for (const name of hostileValues('pwned-ls')) {
      mkdirSync(join(dir, name));
      const script = `cd ${shellQuote(dir)} && ls -d -- ${shellQuote(name)}`;
      const result = await runLocalCommand({ id: 'ls', script, timeoutMs: 5_000, maxOutputBytes: 10_000 });
      expect(result).toMatchObject({ code: 0, stdout: `${name}\n` });
    }
    expect(existsSync(join(dir, 'pwned-ls'))).toBe(false);
  });
});

describe('wrapWithTimeout', () => {
  it('builds a timeout -s KILL command around a quoted sh -c script', () => {
    expect(wrapWithTimeout(`df -P '/var/lib'`, 5_000)).toBe(`timeout -s KILL 5 sh -c 'df -P '\\''/var/lib'\\'''`);
    expect(wrapWithTimeout('true', 500)).toBe(`timeout -s KILL 0.5 sh -c 'true'`);
    expect(wrapWithTimeout('true', 0)).toBe(`timeout -s KILL 0.001 sh -c 'true'`);
  });

  it('runs the script unchanged when in time, keeping its exit code', async () => {
    const result = await runLocalCommand({ id: 'w', script: wrapWithTimeout(`echo "$((1+2))"; exit 4`, 5_000), timeoutMs: 10_000, maxOutputBytes: 100 });
    expect(result).toMatchObject({ code: 4, stdout: '3\n', timedOut: false });
  });
});
