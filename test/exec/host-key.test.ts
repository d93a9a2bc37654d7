import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { changedHostKeyMessage, fingerprintFromHex, fingerprintMatches, parsePinnedFingerprint, unknownHostKeyMessage } from '../../src/exec/host-key';

/** A fresh ed25519 public key: its wire blob (what ssh2 hashes) and ssh-keygen's fingerprint of it. */
function freshKey(): { blob: Buffer; keygen: string } {
  const dir = mkdtempSync(join(tmpdir(), 'stemedb-hostkey-'));
  try {
    const path = join(dir, 'k');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path]);
    const blob = Buffer.from(readFileSync(`${path}.pub`, 'utf8').split(' ')[1] ?? '', 'base64');
    const keygen = /SHA256:\S+/.exec(execFileSync('ssh-keygen', ['-lf', `${path}.pub`], { encoding: 'utf8' }))?.[0] ?? '';
    return { blob, keygen };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('host key fingerprints', () => {
  it('turns the sha256 hex ssh2 gives into what ssh-keygen -lf prints', () => {
    const { blob, keygen } = freshKey();
    const hex = createHash('sha256').update(blob).digest('hex');
    expect(keygen).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(fingerprintFromHex(hex)).toBe(keygen);
  });

  it('matches the pinned fingerprint, with or without base64 padding, and nothing else', () => {
    const { blob, keygen } = freshKey();
    const hex = createHash('sha256').update(blob).digest('hex');
    expect(fingerprintMatches(hex, keygen)).toBe(true);
    expect(fingerprintMatches(hex, `${keygen}=`)).toBe(true);
    expect(fingerprintMatches(hex, freshKey().keygen)).toBe(false);
    expect(fingerprintMatches(hex, '')).toBe(false);
    expect(fingerprintMatches(hex.slice(2), keygen)).toBe(false);
    expect(fingerprintMatches(hex, keygen.replace('SHA256:', 'MD5:'))).toBe(false);
  });

  it('parses only well-formed pins', () => {
    expect(parsePinnedFingerprint(`SHA256:${'A'.repeat(43)}`)).toHaveLength(32);
    expect(parsePinnedFingerprint(`SHA256:${'A'.repeat(42)}`)).toBeUndefined();
    expect(parsePinnedFingerprint('SHA256:$(reboot)')).toBeUndefined();
  });

  it('says what to pin, and what a changed key may mean', () => {
    const seen = `SHA256:${'a'.repeat(43)}`;
    const pinned = `SHA256:${'b'.repeat(43)}`;
    expect(unknownHostKeyMessage('stemedb-1', seen)).toContain(`set \`hostKeySha256: ${seen}\` for stemedb-1`);
    expect(changedHostKeyMessage('stemedb-1', seen, pinned)).toBe(
      `stemedb-1's host key changed (saw ${seen}, pinned ${pinned}): if the host was rebuilt, update \`hostKeySha256\`; otherwise treat it as a possible attack.`,
    );
  });
});
