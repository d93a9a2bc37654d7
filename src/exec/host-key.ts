/**
 * Host key pinning, pure. ssh2's `hostVerifier` with `hostHash: 'sha256'` hands over the SHA-256 of the host
 * key as hex; `ssh-keygen -lf` prints the same digest as unpadded base64 after `SHA256:`. Pins in the config
 * use the ssh-keygen form, so operators can paste what they see on the host.
 */
import { timingSafeEqual } from 'node:crypto';

const SHA256_BYTES = 32;

/**
 * The `SHA256:...` form of a hex SHA-256 digest, as `ssh-keygen -lf` prints it.
 *
 * @example fingerprintFromHex('e3b0c442...b855') // => 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU'
 */
export function fingerprintFromHex(hex: string): string {
  return `SHA256:${Buffer.from(hex, 'hex').toString('base64').replace(/=+$/, '')}`;
}

/** The 32 digest bytes of a `SHA256:<base64>` pin (padding optional), or undefined when it is not one. */
export function parsePinnedFingerprint(pin: string): Buffer | undefined {
  const match = /^SHA256:([A-Za-z0-9+/]{43})=?$/.exec(pin.trim());
  if (!match?.[1]) return undefined;
  const bytes = Buffer.from(match[1], 'base64');
  return bytes.length === SHA256_BYTES ? bytes : undefined;
}

/** Whether the key ssh2 saw (hex) is the pinned one; compared in constant time. */
export function fingerprintMatches(seenHex: string, pin: string): boolean {
  const pinned = parsePinnedFingerprint(pin);
  const seen = Buffer.from(seenHex, 'hex');
  if (!pinned || seen.length !== SHA256_BYTES) return false;
  return timingSafeEqual(seen, pinned);
}

/** What a responder reads when a node has no pin yet: the fingerprint to pin, and to check first. */
export function unknownHostKeyMessage(node: string, seenFingerprint: string): string {
  return (
    `${node}'s SSH host key is not pinned, so the bot did not log in (saw ${seenFingerprint}). ` +
    `Check it on the host (\`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub\`), then pin it: ` +
    `set \`hostKeySha256: ${seenFingerprint}\` for ${node}.`
  );
}

/** What a responder reads when the key differs from the pin: rebuilt host, or someone in the middle. */
export function changedHostKeyMessage(node: string, seenFingerprint: string, pinnedFingerprint: string): string {
  return (
    `${node}'s host key changed (saw ${seenFingerprint}, pinned ${pinnedFingerprint}): ` +
    `if the host was rebuilt, update \`hostKeySha256\`; otherwise treat it as a possible attack.`
  );
}
