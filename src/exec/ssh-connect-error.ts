/**
 * Turns what ssh2 / node-ssh throw while connecting into a HostExecError a responder can act on. Pure: the
 * executor passes in what the host key verifier saw, since ssh2 only reports "Host denied".
 */
import { changedHostKeyMessage, unknownHostKeyMessage } from './host-key';
import { HostExecError } from './host-executor';

/** What the host key verifier decided, when it refused the key. */
export type HostKeyRefusal = { kind: 'unknown'; seen: string } | { kind: 'changed'; seen: string; pinned: string };

export interface ConnectTarget {
  node: string;
  host: string;
  port: number;
  username: string;
  privateKeyPath: string;
  readyTimeout: number;
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

function errorField(err: unknown, field: 'code' | 'level' | 'message'): string | undefined {
  if (typeof err !== 'object' || err === null || !(field in err)) return undefined;
  const value = (err as Record<string, unknown>)[field];
  return typeof value === 'string' ? value : undefined;
}

/**
 * @example mapConnectError(target, Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))
 *   // => HostExecError CONNECT_FAILED "stemedb-1: could not reach SSH at 10.0.0.11:22 (ECONNREFUSED) ..."
 */
export function mapConnectError(target: ConnectTarget, err: unknown, refusal?: HostKeyRefusal): HostExecError {
  const { node, host, port, username } = target;
  const where = `${host}:${port}`;
  if (refusal?.kind === 'unknown') {
    return new HostExecError('HOST_KEY_UNKNOWN', unknownHostKeyMessage(node, refusal.seen), { cause: err });
  }
  if (refusal?.kind === 'changed') {
    return new HostExecError('HOST_KEY_CHANGED', changedHostKeyMessage(node, refusal.seen, refusal.pinned), { cause: err });
  }
  const code = errorField(err, 'code');
  const level = errorField(err, 'level');
  const message = errorField(err, 'message') ?? String(err);
  if (level === 'client-authentication') {
    return new HostExecError(
      'AUTH_FAILED',
      `${node}: SSH login as ${username} at ${where} was refused: check that the public key of ${target.privateKeyPath} is in ${username}'s authorized_keys.`,
      { cause: err },
    );
  }
  if (/privateKey|private key|passphrase/i.test(message)) {
    return new HostExecError('NOT_CONFIGURED', `${node}: the SSH private key ${target.privateKeyPath} cannot be used (${message}).`, { cause: err });
  }
  if (level === 'client-timeout') {
    return new HostExecError(
      'CONNECT_FAILED',
      `${node}: no SSH handshake from ${where} within ${target.readyTimeout} ms: check that sshd is up and the port is right.`,
      { cause: err },
    );
  }
  const reason = code && UNREACHABLE_CODES.has(code) ? code : message;
  return new HostExecError(
    'CONNECT_FAILED',
    `${node}: could not reach SSH at ${where} (${reason}): check that the host is up, sshd listens on port ${port}, and no firewall is in the way.`,
    { cause: err },
  );
}
