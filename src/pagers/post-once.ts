import type { Lease } from '../store/lease';
import type { PostClaims } from '../store/post-claims';
import type { MessageRef } from '../surfaces/chat-port';
import type { SlackDirectory } from './slack-directory';

/** The marker block of an incident's thread header (alert or escalation header: one per incident). */
export const threadMarker = (incidentId: string): string => `page:${incidentId}:header`.slice(0, 255);
/** The marker block of a storm summary. */
export const summaryMarker = (summaryId: number): string => `summary:${summaryId}`;

/** Thrown into a post whose claim was lost before it went out (its holder stalled past the lease). */
export class PostClaimLostError extends Error {
  constructor(key: string) {
    super(`post claim ${key} was lost before the message went out`);
    this.name = 'PostClaimLostError';
  }
}

export interface PostOnceDeps {
  claims: PostClaims;
  lease: Lease;
  now: () => Date;
  /** Slack's read side: where an earlier holder's message is looked for (none in the shell: it posts). */
  directory: SlackDirectory | undefined;
  /** How long to wait between looks while another process holds the claim. */
  pollMs?: number;
  /** Gives up (throws) after waiting this long for another holder. */
  maxWaitMs?: number;
}

export interface PostOnceRequest {
  /** The claim key: 'thread:<incident id>', 'summary:<id>'. */
  key: string;
  /** Where an earlier attempt would have posted, and its marker block; undefined channel: no look. */
  channel: string | undefined;
  marker: string;
  /** The earliest the message can have been posted (bounds the look). */
  sinceMs: number;
  /** The message as the store knows it (recorded by whoever posted it). */
  known(): Promise<MessageRef | undefined>;
  /**
   * Posts it. Pass `beforeSend` to the chat port: right before the message leaves (not before a wait in the
   * paced queue) it extends the claim, or rejects when the claim was lost (the post is then dropped).
   */
  post(beforeSend: () => Promise<void>): Promise<MessageRef | undefined>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Posts a thread-opening message once across processes: the store's record first, then a claim (one holder;
 * the others wait for its record), a look in Slack for the marker when an earlier holder's outcome is unknown,
 * and the post, fenced by the claim right before it leaves. `adopted`: the message was found, not posted now,
 * so the caller records it without its own bookkeeping of the post.
 */
export async function postOnce(deps: PostOnceDeps, request: PostOnceRequest): Promise<{ message: MessageRef; adopted: boolean } | undefined> {
  const { claims, lease, now } = deps;
  const { key } = request;
  const deadline = Date.now() + (deps.maxWaitMs ?? 120_000);
  for (;;) {
    const known = await request.known();
    if (known) return { message: known, adopted: true };
    const claim = await claims.claim(key, lease, now());
    if (claim.kind === 'posted') return { message: { channel: claim.channel, ts: claim.ts }, adopted: true };
    if (claim.kind === 'busy') {
      if (Date.now() > deadline) throw new Error(`post ${key}: another process holds its claim for too long`);
      await sleep(deps.pollMs ?? 200);
      continue;
    }
    const { token } = claim;
    let lost = false;
    const extend = async () => {
      if (lost) return false;
      lost = !(await claims.extend(key, token, now(), lease.ttlMs));
      return !lost;
    };
    const renewer = setInterval(() => void extend().catch(() => undefined), Math.max(10, Math.floor(lease.ttlMs / 3)));
    renewer.unref?.();
    try {
      if (claim.lookFirst && request.channel && deps.directory) {
        const found = await deps.directory.findMarked({ channel: request.channel }, request.marker, request.sinceMs);
        if (found) {
          await claims.posted(key, token, found, now());
          return { message: found, adopted: true };
        }
      }
      const message = await request.post(async () => {
        if (!(await extend())) throw new PostClaimLostError(key);
      });
      if (!message) {
        await claims.release(key, token, now());
        return undefined;
      }
      // Recorded even when the claim was lost meanwhile: the message is out, and whoever took the claim over
      // finds it by its marker.
      await claims.posted(key, token, message, now());
      return { message, adopted: false };
    } catch (err) {
      if (err instanceof PostClaimLostError) continue;
      await claims.release(key, token, now()).catch(() => undefined);
      throw err;
    } finally {
      clearInterval(renewer);
    }
  }
}
