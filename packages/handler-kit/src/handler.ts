import type { PayloadKeys, PayloadOf, RoutedEventType, RoutedOperation } from "@skyhook/contracts";

/** The subset of pino a handler may use; tests pass a collecting stand-in. */
export type HandlerLogger = {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
};

export type HandlerEvent<P> = {
  eventType: string;
  operation: string;
  payload: P;
  /** The envelope as Spotnana sent it, unknown fields included. */
  envelope: Readonly<Record<string, unknown>>;
  keys: PayloadKeys;
  receivedAt: Date;
};

/**
 * The trace a handler runs in, as plain headers: handlers know nothing of OpenTelemetry, they
 * only pass these on to the systems they call so those requests join the delivery's trace.
 */
export type HandlerTrace = {
  /** `traceparent`/`tracestate` of the handler's span (when tracing is on), `X-B3-TraceId`/`X-B3-SpanId` as Spotnana sent them. */
  headers(): Record<string, string>;
};

export type HandlerContext<D> = {
  /** Stable across every redelivery of the same Spotnana delivery. */
  idempotencyKey: string;
  /** 1 on the first run, 2 on the first retry, … */
  attempt: number;
  logger: HandlerLogger;
  /** Aborted when the worker shuts down; pass it to every I/O call. */
  signal: AbortSignal;
  now: () => Date;
  trace: HandlerTrace;
  deps: D;
};

export type Handler<D> = {
  readonly eventType: string;
  readonly operation: string;
  readonly handle: (event: HandlerEvent<unknown>, ctx: HandlerContext<D>) => Promise<void>;
};

/**
 * Declares the function half of an operation; the payload type comes from the operation's
 * schema in contracts. The worker validates the payload with that schema before calling
 * `handle`, which is what makes widening the parameter type below sound.
 */
export function defineHandler<E extends RoutedEventType, O extends RoutedOperation<E>, D>(def: {
  eventType: E;
  operation: O;
  handle: (event: HandlerEvent<PayloadOf<E, O>>, ctx: HandlerContext<D>) => Promise<void>;
}): Handler<D> {
  return {
    eventType: def.eventType,
    operation: def.operation,
    handle: def.handle as Handler<D>["handle"],
  };
}
