import {
  type Catalog,
  type QueueNames,
  queueNamesOf,
  RetryPolicy,
  type Route,
  unroutedQueueNames,
} from "@skyhook/contracts";
import type { Logger } from "pino";
import { z } from "zod";
import type { RedisClient } from "./connections.ts";
import type { KeyNames } from "./keys.ts";

/**
 * What a running worker tells the other processes about an operation it handles. The ingress
 * routes to it and the dashboard lists its queues without being redeployed: adding a handler
 * needs a worker deploy only.
 */
/** A worker released before filtered deliveries were kept announces no `filtered` queue. */
const AnnouncedQueues = z
  .object({
    queue: z.string(),
    deadLetter: z.string(),
    stale: z.string(),
    filtered: z.string().optional(),
  })
  .transform((queues, ctx): QueueNames => {
    const filtered = queues.filtered ?? queueNamesOf(queues.queue)?.filtered;
    if (filtered === undefined) {
      ctx.addIssue({ code: "custom", message: `${queues.queue} is not a queue name` });
      return z.NEVER;
    }
    return { ...queues, filtered };
  });

export const AnnouncedRoute = z.object({
  eventType: z.string().min(1),
  operation: z.string().min(1),
  queues: AnnouncedQueues,
  retry: RetryPolicy,
  announcedAt: z.iso.datetime(),
});
export type AnnouncedRoute = z.infer<typeof AnnouncedRoute>;

const field = (eventType: string, operation: string) => `${eventType}/${operation}`;

export type RouteRegistry = ReturnType<typeof createRouteRegistry>;

export function createRouteRegistry(redis: RedisClient, keys: KeyNames) {
  return {
    async announce(routes: readonly Omit<AnnouncedRoute, "announcedAt">[], now = new Date()) {
      if (routes.length === 0) return;
      const entries = routes.flatMap((r) => [
        field(r.eventType, r.operation),
        JSON.stringify({ ...r, announcedAt: now.toISOString() }),
      ]);
      await redis.hset(keys.routes(), ...entries);
    },
    /** Every announced route; an entry that does not parse (a newer writer) is skipped. */
    async list(): Promise<AnnouncedRoute[]> {
      const all = await redis.hgetall(keys.routes());
      return Object.values(all).flatMap((raw) => {
        try {
          const parsed = AnnouncedRoute.safeParse(JSON.parse(raw));
          return parsed.success ? [parsed.data] : [];
        } catch {
          return [];
        }
      });
    },
  };
}

/** Every queue a process should know of: the catalog's and the announced ones, deduplicated. */
export function knownQueues(catalog: Catalog, announced: readonly AnnouncedRoute[]): QueueNames[] {
  const all = [...catalog.specs.map((s) => s.queues), ...announced.map((r) => r.queues)];
  const byQueue = new Map(all.map((q) => [q.queue, q]));
  return [...byQueue.values(), unroutedQueueNames];
}

export type Router = {
  route(eventType: string, operation: string): Route;
  /** Every queue known as of the last read: the catalog's, the announced ones, the catch-all. */
  queues(): QueueNames[];
  /** Re-reads the announced routes now (also done every `refreshMs` until `close`). */
  refresh(): Promise<void>;
  close(): void;
};

/**
 * Routes by the catalog first, then by what workers announced. The announced routes are read
 * in the background, `refreshMs` after the previous read ended, and whenever `refresh` is
 * called (once the connection is ready, say) — never two at once: during a Redis outage a read
 * may wait rather than fail, and reads must not pile up. Routing never waits on Redis. A
 * failed read keeps the last known; `onRoutes` hears the known queues after each good read.
 */
export function createRouter(options: {
  catalog: Catalog;
  registry: Pick<RouteRegistry, "list">;
  refreshMs: number;
  logger: Logger;
  onRoutes?: (queues: QueueNames[]) => void;
}): Router {
  let announced = new Map<string, AnnouncedRoute>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const read = async () => {
    try {
      const routes = await options.registry.list();
      announced = new Map(routes.map((r) => [field(r.eventType, r.operation), r]));
      options.onRoutes?.(knownQueues(options.catalog, routes));
    } catch (err) {
      options.logger.warn({ err }, "could not read announced routes; keeping the last known");
    }
  };
  // A read asked for while one is under way joins it.
  let reading: Promise<void> | undefined;
  const refresh = () => {
    reading ??= read().finally(() => {
      reading = undefined;
    });
    return reading;
  };
  const schedule = () => {
    if (closed) return;
    timer = setTimeout(() => void refresh().then(schedule), options.refreshMs);
    timer.unref();
  };
  schedule();
  return {
    route(eventType, operation) {
      const own = options.catalog.route(eventType, operation);
      if (own.spec !== undefined) return own;
      const other = announced.get(field(eventType, operation));
      return other === undefined
        ? own
        : { spec: undefined, queues: other.queues, retry: other.retry };
    },
    queues: () => knownQueues(options.catalog, [...announced.values()]),
    refresh,
    close() {
      closed = true;
      clearTimeout(timer);
    },
  };
}
