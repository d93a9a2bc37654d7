/**
 * A failed call to an HTTP API the bot reads (a StemeDB node, Prometheus): a sentence for the responder as its
 * message, a code the caller branches on, the HTTP status when there was one, and the cause for the log.
 */
export class HttpCallError<Code extends string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
