import { type Agent, request } from 'node:http';
import { signSlackRequest, slashCommandBody } from '../test/harness/slack-requests';

/** The signing secret the bench targets are started with. */
export const SIGNING_SECRET = 'bench-signing-secret';

/** Sends one signed slash command and resolves when the HTTP answer (the ack) arrives. */
export function postCommand(url: URL, agent: Agent, text: string, responseUrl: string): Promise<void> {
  const body = new URLSearchParams(slashCommandBody({ text, response_url: responseUrl }) as unknown as Record<string, string>).toString();
  const headers = { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), ...signSlackRequest(SIGNING_SECRET, body) };
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}
