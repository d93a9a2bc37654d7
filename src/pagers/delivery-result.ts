/**
 * How one attempt to deliver a page went. `retryable` failures go back to the outbox with backoff;
 * permanent ones are shown in the thread at once and count against the level being reached.
 */
export type DeliveryResult =
  | { ok: true; detail: Record<string, unknown> }
  | {
      ok: false;
      retryable: boolean;
      /** A short sentence for the incident thread ("user not found", "HTTP 400: Invalid routing key"). */
      error: string;
      /** The server asked for this pause (`Retry-After`). */
      retryAfterMs?: number;
      /** Nothing left the process (shutting down): the attempt is not counted. */
      notAttempted?: boolean;
    };

export const delivered = (detail: Record<string, unknown> = {}): DeliveryResult => ({ ok: true, detail });
export const failedForGood = (error: string): DeliveryResult => ({ ok: false, retryable: false, error });
export const failedForNow = (error: string, retryAfterMs?: number): DeliveryResult => ({
  ok: false,
  retryable: true,
  error,
  ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
});

/** `Retry-After` in seconds or as an HTTP date, in milliseconds from now. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}
