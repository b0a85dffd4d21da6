import type { z } from "zod";
import { type QueueNames, queueNamesFor, unroutedQueueNames } from "./queue-names.ts";
import { defaultRetryPolicy, type RetryPolicy } from "./retry-policy.ts";

/**
 * The data half of an operation handler: what the ingress needs to route and enqueue, and the
 * worker needs to validate, without loading handler code.
 */
export type OperationSpec<
  E extends string = string,
  O extends string = string,
  S extends z.ZodType = z.ZodType,
> = {
  readonly eventType: E;
  readonly operation: O;
  readonly payload: S;
  readonly retry: RetryPolicy;
  readonly queues: QueueNames;
};

export function defineOperation<E extends string, O extends string, S extends z.ZodType>(spec: {
  eventType: E;
  operation: O;
  payload: S;
  retry?: RetryPolicy;
}): OperationSpec<E, O, S> {
  return {
    ...spec,
    retry: spec.retry ?? defaultRetryPolicy,
    queues: queueNamesFor(spec.eventType, spec.operation),
  };
}

export type Route = {
  spec: OperationSpec | undefined;
  queues: QueueNames;
  /** For a route a running worker announced that this process has no spec for. */
  retry?: RetryPolicy | undefined;
};

export type Catalog = {
  readonly specs: readonly OperationSpec[];
  /** The spec and queues for a routing pair; unrouted pairs go to the catch-all queues. */
  route(eventType: string, operation: string): Route;
  /** Every queue name the catalog can produce, dead-letter, stale and filtered queues included. */
  allQueueNames(): string[];
};

export function createCatalog(specs: readonly OperationSpec[]): Catalog {
  const byKey = new Map<string, OperationSpec>();
  const queueNames = new Set<string>();
  for (const spec of specs) {
    const key = `${spec.eventType}/${spec.operation}`;
    if (byKey.has(key)) throw new Error(`Operation ${key} is defined twice`);
    if (queueNames.has(spec.queues.queue)) {
      throw new Error(
        `Operation ${key} derives queue ${spec.queues.queue}, which another operation uses`,
      );
    }
    byKey.set(key, spec);
    queueNames.add(spec.queues.queue);
  }
  return {
    specs,
    route(eventType, operation) {
      const spec = byKey.get(`${eventType}/${operation}`);
      return spec === undefined
        ? { spec, queues: unroutedQueueNames }
        : { spec, queues: spec.queues };
    },
    allQueueNames() {
      return [...specs.map((s) => s.queues), unroutedQueueNames].flatMap((q) => [
        q.queue,
        q.deadLetter,
        q.stale,
        q.filtered,
      ]);
    },
  };
}
