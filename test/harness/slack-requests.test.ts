import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySlackRequest } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { blockActionsPayload, sendInteraction, sendSlashCommand, signSlackRequest, slashCommandBody, viewSubmissionPayload } from './slack-requests';

describe('signSlackRequest', () => {
  it('matches an HMAC computed by openssl', () => {
    expect(signSlackRequest('test-secret', 'command=%2Fstemedb&text=', 1700000000)).toEqual({
      'x-slack-signature': 'v0=d681203ab19bf5e59d457e9300fd6abe2af2f472e17998fe5302bdcb3fd80b82',
      'x-slack-request-timestamp': '1700000000',
    });
  });

  it('passes Bolt verifySlackRequest with the current time by default', () => {
    const body = 'command=%2Fstemedb&text=status';
    const headers = signSlackRequest('s3cret', body);
    const verify = (secret: string) =>
      verifySlackRequest({
        signingSecret: secret,
        body,
        headers: { 'x-slack-signature': headers['x-slack-signature'], 'x-slack-request-timestamp': Number(headers['x-slack-request-timestamp']) },
      });
    expect(() => verify('s3cret')).not.toThrow();
    expect(() => verify('other')).toThrow(/signature mismatch/);
  });
});

describe('payload builders', () => {
  it('applies overrides and gives each request its own trigger_id', () => {
    const a = slashCommandBody({ text: 'status', user_id: 'U_BOB' });
    const b = slashCommandBody();
    expect(a).toMatchObject({ command: '/stemedb', text: 'status', user_id: 'U_BOB', channel_id: 'C0ALERTS' });
    expect(a.trigger_id).not.toBe(b.trigger_id);
  });

  it('derives the block_actions container from the message and channel', () => {
    const p = blockActionsPayload({ channel: { id: 'C0OTHER', name: 'other' }, message: { type: 'message', ts: '1.000002' } });
    expect(p.container).toEqual({ type: 'message', message_ts: '1.000002', channel_id: 'C0OTHER', is_ephemeral: false });
  });

  it('merges view overrides into the default view', () => {
    const p = viewSubmissionPayload({ view: { callback_id: 'escalate' } });
    expect(p.view).toMatchObject({ callback_id: 'escalate', type: 'modal', state: { values: {} } });
  });
});

describe('send helpers', () => {
  it('send a string body with the exact form content type and signature headers', async () => {
    const seen: { headers: IncomingHttpHeaders; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ headers: req.headers, body });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
    try {
      await sendSlashCommand(url, 'sec', { text: 'a b&c' });
      await sendInteraction(url, 'sec', { type: 'block_actions' }, { omitSignature: true });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    const [command, interaction] = seen;
    expect(command?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(new URLSearchParams(command?.body).get('text')).toBe('a b&c');
    expect(command?.headers['x-slack-signature']).toEqual(
      signSlackRequest('sec', command!.body, Number(command?.headers['x-slack-request-timestamp']))['x-slack-signature'],
    );
    expect(JSON.parse(new URLSearchParams(interaction?.body).get('payload') ?? '')).toEqual({ type: 'block_actions' });
    expect(interaction?.headers['x-slack-signature']).toBeUndefined();
  });
});
