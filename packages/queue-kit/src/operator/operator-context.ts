import type { Catalog, QueueNames } from "@skyhook/contracts";
import type { Logger } from "pino";
import type { RedisClient } from "../connections.ts";
import type { EventJobSettings } from "../job-options.ts";
import {
  defaultJournalSettings,
  type JournalReader,
  type JournalSettings,
} from "../journal/entry.ts";
import { createJournalReader } from "../journal/reader.ts";
import { keyNames } from "../keys.ts";
import { createLedger } from "../ledger.ts";
import type { OutcomeSink } from "../outcome.ts";
import { createQueuePool, type QueuePool } from "../queue-pool.ts";
import { createRouteRegistry, createRouter, knownQueues } from "../route-registry.ts";
import type { OperatorContext } from "./operations.ts";

/** An operator tool's context, with the journal to read, for as long as the tool runs. */
export type OperatorSession = OperatorContext & { journal: JournalReader; close(): Promise<void> };

/**
 * What an operator's tool (the CLI, the admin API) needs to look at and move kept events: an
 * observer's queue pool, the ledger (which journals replays and purges), routing that includes
 * what running workers announced, and the journal's reader over the same queues.
 */
export async function createOperatorContext(options: {
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
  /** The journal settings every process shares (default: two weeks, bounded). */
  journal?: JournalSettings;
}): Promise<OperatorSession> {
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
  const journal = options.journal ?? defaultJournalSettings;
  const queueNames = async () => knownQueues(options.catalog, await registry.list());
  return {
    redis: options.redis,
    keys,
    queues,
    ledger: createLedger(options.redis, keys, journal),
    router,
    settings: options.settings,
    logger: options.logger,
    outcomes: options.outcomes,
    queueNames,
    journal: createJournalReader({ redis: options.redis, keys, queueNames, settings: journal }),
    async close() {
      router.close();
      if (options.queues === undefined) await queues.close();
    },
  };
}
