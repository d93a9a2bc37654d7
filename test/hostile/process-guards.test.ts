import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** The entry point's rule: an error nothing caught is logged and the process keeps serving. */
describe('process guards', () => {
  it('log an unhandled rejection and an uncaught exception and keep the process running', async () => {
    const script = `
      import { installProcessGuards } from './src/ops/process-guards.ts';
      import { createLogger } from './src/ops/logger.ts';
      installProcessGuards(createLogger('info', process.stdout));
      void Promise.reject(new Error('rejected on purpose'));
      setTimeout(() => { throw new Error('thrown on purpose'); }, 20);
      setTimeout(() => { process.stdout.write('STILL SERVING\\n'); process.exit(0); }, 200);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(out).toContain('rejected on purpose');
    expect(out).toContain('thrown on purpose');
    expect(out).toContain('STILL SERVING');
    expect(code).toBe(0);
  }, 20_000);
});
