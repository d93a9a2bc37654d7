import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/ops/logger';

describe('logger', () => {
  it('redacts tokens, secrets and authorization headers', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) });
    const log = createLogger('info', sink);
    log.info(
      {
        token: 'xoxb-secret-1',
        req: { headers: { authorization: 'Bearer am-secret-2' } },
        pager: { routingKey: 'pd-secret-3' },
        env: { SLACK_SIGNING_SECRET: 'sig-secret-4' },
      },
      'hello',
    );
    const out = lines.join('');
    expect(out).toContain('hello');
    for (const secret of ['xoxb-secret-1', 'am-secret-2', 'pd-secret-3', 'sig-secret-4']) expect(out).not.toContain(secret);
    expect(out).toContain('[redacted]');
  });
});
