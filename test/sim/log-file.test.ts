import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BoundedLogFile } from '../../sim/log-file';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('BoundedLogFile', () => {
  it('keeps only the newest whole lines once past its cap', () => {
    dir = mkdtempSync(join(tmpdir(), 'sim-log-'));
    const file = new BoundedLogFile(join(dir, 'storage.log'), 1000, 400);
    for (let i = 0; i < 100; i++) file.append([`line ${String(i).padStart(3, '0')} ${'x'.repeat(20)}`]);
    const text = readFileSync(join(dir, 'storage.log'), 'utf8');
    expect(text.length).toBeLessThanOrEqual(1000);
    expect(text.startsWith('line ')).toBe(true);
    expect(text.endsWith(`line 099 ${'x'.repeat(20)}\n`)).toBe(true);
    for (const line of text.trimEnd().split('\n')) expect(line).toMatch(/^line \d{3} x{20}$/);
  });
});
