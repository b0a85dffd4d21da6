import type { Catalog, QueueNames } from "@skyhook/contracts";
import type { Logger } from "pino";
import type { RedisClient } from "../connections.ts";
import type { EventJobSettings } from "../job-options.ts";
import { keyNames } from "../keys.ts";
import { createLedger } from "../ledger.ts";
import type { OutcomeSink } from "../outcome.ts";
import { createQueuePool, type QueuePool } from "../queue-pool.ts";
import { createRouteRegistry, createRouter, knownQueues } from "../route-registry.ts";
import type { OpsContext } from "./operations.ts";

/**
 * What an operator's tool (the CLI, the admin API) needs to look at and move kept events: an
 * observer's queue pool, the ledger, and routing that includes what running workers announced.
 */
export async function createOpsContext(options: {
  redis: RedisClient;
  prefix: string;
  catalog: Catalog;
  settings: EventJobSettings;
  logger: Logger;
  outcomes?: OutcomeSink;
  /** A pool of observer queues the caller owns and closes; else one of its own. */
  queues?: QueuePool;
  /** How often the announced routes are re-read while it lives (default 5 s). */
  refreshMs?: number;
  /** Hears the known queues after each read of the announced routes. */
  onRoutes?: (queues: QueueNames[]) => void;
}): Promise<OpsContext & { close(): Promise<void> }> {
  const keys = keyNames(options.prefix);
  const registry = createRouteRegistry(options.redis, keys);
  const router = createRouter({
    catalog: options.catalog,
    registry,
    refreshMs: options.refreshMs ?? 5_000,
    logger: options.logger,
    onRoutes: options.onRoutes,
  });
  await router.refresh();
  const queues =
    options.queues ??
    createQueuePool({
      connection: options.redis,
      prefix: options.prefix,
      logger: options.logger,
      observer: true,
    });
  return {
    redis: options.redis,
    keys,
    queues,
    ledger: createLedger(options.redis, keys),
    router,
    settings: options.settings,
    logger: options.logger,
    outcomes: options.outcomes,
    queueNames: async () => knownQueues(options.catalog, await registry.list()),
    async close() {
      router.close();
      if (options.queues === undefined) await queues.close();
    },
  };
}
