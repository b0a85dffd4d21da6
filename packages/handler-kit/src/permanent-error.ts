/**
 * Thrown by a handler when retrying cannot help (the downstream rejected the request as
 * invalid, the event contradicts stored state): the event goes to the dead-letter queue at once.
 */
export class PermanentError extends Error {
  override name = "PermanentError";
}
